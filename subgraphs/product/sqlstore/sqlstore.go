// Package sqlstore keeps products in SQL through bun: MySQL in services
// mode, SQLite in dev mode, and PostgreSQL, all from the same code.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/outbox"
	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/subgraphs/product/catalog"
)

// Store is the product store.
type Store struct {
	db *bun.DB
	// committed is called after a write that added events commits, to wake
	// the outbox relay at once instead of at its next poll.
	committed func()
}

// OnCommit registers the function called after a write with events commits.
func (s *Store) OnCommit(f func()) { s.committed = f }

var _ catalog.Store = (*Store)(nil)

// New returns the store on db, once Migrations are applied.
func New(db *bun.DB) *Store { return &Store{db: db} }

type productRow struct {
	bun.BaseModel `bun:"table:products"`

	ID          string    `bun:"id,pk"`
	VendorID    string    `bun:"vendor_id"`
	Title       string    `bun:"title"`
	TitleKey    string    `bun:"title_key"`
	Description string    `bun:"description"`
	Available   bool      `bun:"available"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

func (s *Store) Create(ctx context.Context, p catalog.Product, evs ...events.Envelope) error {
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(toRow(p)).Exec(ctx); err != nil {
			return err
		}
		return outbox.Add(ctx, tx, evs...)
	})
	if err == nil && len(evs) > 0 && s.committed != nil {
		s.committed()
	}
	if sqldb.IsUniqueViolation(err) {
		return &apperr.Error{Code: apperr.Conflict, Field: "title", Message: "the vendor already has a product with this title"}
	}
	return err
}

func (s *Store) ByID(ctx context.Context, id string) (catalog.Product, error) {
	return s.findOne(ctx, func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("id = ?", id) })
}

func (s *Store) ByVendorTitle(ctx context.Context, vendorID, title string) (catalog.Product, error) {
	return s.findOne(ctx, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("vendor_id = ?", vendorID).Where("title_key = ?", catalog.TitleKey(title))
	})
}

func (s *Store) ByIDs(ctx context.Context, ids []string) ([]catalog.Product, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []productRow
	if err := s.db.NewSelect().Model(&rows).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]catalog.Product, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

func (s *Store) findOne(ctx context.Context, where func(*bun.SelectQuery) *bun.SelectQuery) (catalog.Product, error) {
	var r productRow
	err := where(s.db.NewSelect().Model(&r)).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Product{}, apperr.E(apperr.NotFound, "product not found")
	}
	if err != nil {
		return catalog.Product{}, err
	}
	return fromRow(r), nil
}

func toRow(p catalog.Product) *productRow {
	return &productRow{
		ID: p.ID, VendorID: p.VendorID, Title: p.Title, TitleKey: catalog.TitleKey(p.Title),
		Description: p.Description, Available: p.Available,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
}

func fromRow(r productRow) catalog.Product {
	return catalog.Product{
		ID: r.ID, VendorID: r.VendorID, Title: r.Title, Description: r.Description, Available: r.Available,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}
