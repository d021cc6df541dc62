// Package sqlstore keeps couriers in SQL through bun: MySQL in services
// mode, SQLite in dev mode, and PostgreSQL, all from the same code.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/subgraphs/deliveryman/courier"
)

// Store is the courier store.
type Store struct{ db *bun.DB }

var _ courier.Store = (*Store)(nil)

// New returns the store on db, once Migrations are applied.
func New(db *bun.DB) *Store { return &Store{db: db} }

type courierRow struct {
	bun.BaseModel `bun:"table:couriers"`

	ID           string    `bun:"id,pk"`
	Name         string    `bun:"name"`
	Availability string    `bun:"availability"`
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

func (s *Store) Create(ctx context.Context, c courier.Courier) error {
	_, err := s.db.NewInsert().Model(toRow(c)).Exec(ctx)
	return err
}

func (s *Store) ByID(ctx context.Context, id string) (courier.Courier, error) {
	var r courierRow
	err := s.db.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return courier.Courier{}, apperr.E(apperr.NotFound, "courier not found")
	}
	if err != nil {
		return courier.Courier{}, err
	}
	return fromRow(r)
}

func (s *Store) ByIDs(ctx context.Context, ids []string) ([]courier.Courier, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []courierRow
	if err := s.db.NewSelect().Model(&rows).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]courier.Courier, len(rows))
	for i, r := range rows {
		c, err := fromRow(r)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func (s *Store) Count(ctx context.Context) (int, error) {
	n, err := s.db.NewSelect().Model((*courierRow)(nil)).Count(ctx)
	return int(n), err
}

func toRow(c courier.Courier) *courierRow {
	return &courierRow{
		ID: c.ID, Name: c.Name, Availability: string(c.Availability),
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
}

func fromRow(r courierRow) (courier.Courier, error) {
	a := courier.Availability(r.Availability)
	if !a.Valid() {
		return courier.Courier{}, fmt.Errorf("courier %s: stored availability %q is unknown", r.ID, r.Availability)
	}
	return courier.Courier{ID: r.ID, Name: r.Name, Availability: a, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}
