package review

import (
	"context"
	"log/slog"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/batch"
)

// Service runs the review use cases.
type Service struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
}

// NewService returns a Service over store.
func NewService(store Store, log *slog.Logger) *Service {
	return &Service{store: store, log: log, now: time.Now}
}

// Get returns a review by id. Reviews are public.
func (s *Service) Get(ctx context.Context, id string) (Review, error) {
	if err := checkID("id", id); err != nil {
		return Review{}, err
	}
	return s.store.ByID(ctx, id)
}

// GetMany returns the reviews with the given ids in the ids' order, with the
// zero Review where an id is unknown or malformed.
func (s *Service) GetMany(ctx context.Context, ids []string) ([]Review, error) {
	var lookup []string
	for _, id := range ids {
		if checkID("id", id) == nil {
			lookup = append(lookup, id)
		}
	}
	found, err := s.store.ByIDs(ctx, lookup)
	if err != nil {
		return nil, err
	}
	return batch.InOrder(ids, found, func(r Review) string { return r.ID }), nil
}

// EnsureReview stores a review from d unless its target of its order is
// already reviewed; it reports whether it stored one. Demo data and imports
// use it: the order checks of writing a review belong to its mutation.
func (s *Service) EnsureReview(ctx context.Context, d Draft) (Review, bool, error) {
	r, err := New(d, s.now())
	if err != nil {
		return Review{}, false, err
	}
	err = s.store.Create(ctx, r)
	if apperr.CodeOf(err) == apperr.Conflict {
		existing, getErr := s.store.ByOrderTarget(ctx, d.OrderID, d.TargetType, d.TargetID)
		if getErr != nil {
			return Review{}, false, err
		}
		return existing, false, nil
	}
	if err != nil {
		return Review{}, false, err
	}
	s.log.InfoContext(ctx, "review stored", "review_id", r.ID, "order_id", r.OrderID, "target_type", r.TargetType)
	return r, true, nil
}
