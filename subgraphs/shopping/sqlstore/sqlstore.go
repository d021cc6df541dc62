// Package sqlstore keeps orders in a SQL database through bun: PostgreSQL in
// services mode, SQLite in dev mode, MariaDB/MySQL where operators run it.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/subgraphs/shopping/order"
)

// Store is the order store.
type Store struct{ db *bun.DB }

var _ order.Store = (*Store)(nil)

// New returns the store on db, once Migrations are applied.
func New(db *bun.DB) *Store { return &Store{db: db} }

type orderRow struct {
	bun.BaseModel `bun:"table:orders"`

	ID         string    `bun:"id,pk"`
	Number     string    `bun:"number"`
	CustomerID string    `bun:"customer_id"`
	VendorID   string    `bun:"vendor_id"`
	Status     string    `bun:"status"`
	PlacedAt   time.Time `bun:"placed_at"`
}

func (s *Store) Create(ctx context.Context, o order.Order) error {
	row := toRow(o)
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	if sqldb.IsUniqueViolation(err) {
		return &apperr.Error{Code: apperr.Conflict, Message: "an order with this id or number exists", Err: err}
	}
	return err
}

func (s *Store) ByID(ctx context.Context, id string) (order.Order, error) {
	var row orderRow
	err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return order.Order{}, apperr.E(apperr.NotFound, "order not found")
	}
	if err != nil {
		return order.Order{}, err
	}
	return fromRow(row), nil
}

func (s *Store) ByIDs(ctx context.Context, ids []string) ([]order.Order, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []orderRow
	if err := s.db.NewSelect().Model(&rows).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]order.Order, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

func toRow(o order.Order) orderRow {
	return orderRow{
		ID: o.ID, Number: o.Number, CustomerID: o.CustomerID, VendorID: o.VendorID,
		Status: string(o.Status), PlacedAt: o.PlacedAt.UTC(),
	}
}

func fromRow(r orderRow) order.Order {
	return order.Order{
		ID: r.ID, Number: r.Number, CustomerID: r.CustomerID, VendorID: r.VendorID,
		Status: order.Status(r.Status), PlacedAt: r.PlacedAt.UTC(),
	}
}
