// Package sqlstore keeps reviews in a SQL database through bun: PostgreSQL
// in services mode, SQLite in dev mode, MariaDB/MySQL where operators run
// it.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/subgraphs/feedback/review"
)

// Store is the review store.
type Store struct{ db *bun.DB }

var _ review.Store = (*Store)(nil)

// New returns the store on db, once Migrations are applied.
func New(db *bun.DB) *Store { return &Store{db: db} }

type reviewRow struct {
	bun.BaseModel `bun:"table:reviews"`

	ID         string    `bun:"id,pk"`
	AuthorID   string    `bun:"author_id"`
	OrderID    string    `bun:"order_id"`
	TargetType string    `bun:"target_type"`
	TargetID   string    `bun:"target_id"`
	Rating     int       `bun:"rating"`
	Comment    string    `bun:"comment"`
	CreatedAt  time.Time `bun:"created_at"`
}

func (s *Store) Create(ctx context.Context, r review.Review) error {
	row := toRow(r)
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	if sqldb.IsUniqueViolation(err) {
		// Ids are fresh UUIDv7s, so the clash is the order-and-target index.
		return &apperr.Error{Code: apperr.Conflict, Field: "targetId", Message: "this order's target is already reviewed", Err: err}
	}
	return err
}

func (s *Store) ByID(ctx context.Context, id string) (review.Review, error) {
	return s.findOne(ctx, s.db.NewSelect().Where("id = ?", id))
}

func (s *Store) ByOrderTarget(ctx context.Context, orderID string, targetType review.TargetType, targetID string) (review.Review, error) {
	return s.findOne(ctx, s.db.NewSelect().
		Where("order_id = ?", orderID).
		Where("target_type = ?", string(targetType)).
		Where("target_id = ?", targetID))
}

func (s *Store) ByIDs(ctx context.Context, ids []string) ([]review.Review, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []reviewRow
	if err := s.db.NewSelect().Model(&rows).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]review.Review, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

func (s *Store) findOne(ctx context.Context, q *bun.SelectQuery) (review.Review, error) {
	var row reviewRow
	err := q.Model(&row).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return review.Review{}, apperr.E(apperr.NotFound, "review not found")
	}
	if err != nil {
		return review.Review{}, err
	}
	return fromRow(row), nil
}

func toRow(r review.Review) reviewRow {
	return reviewRow{
		ID: r.ID, AuthorID: r.AuthorID, OrderID: r.OrderID, TargetType: string(r.TargetType), TargetID: r.TargetID,
		Rating: r.Rating, Comment: r.Comment, CreatedAt: r.CreatedAt.UTC(),
	}
}

func fromRow(r reviewRow) review.Review {
	return review.Review{
		ID: r.ID, AuthorID: r.AuthorID, OrderID: r.OrderID, TargetType: review.TargetType(r.TargetType), TargetID: r.TargetID,
		Rating: r.Rating, Comment: r.Comment, CreatedAt: r.CreatedAt.UTC(),
	}
}
