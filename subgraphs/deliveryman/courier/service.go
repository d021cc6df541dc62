package courier

import (
	"context"
	"log/slog"
	"time"

	"github.com/platterhq/platter/internal/batch"
)

// Service runs the courier use cases.
type Service struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
}

// NewService returns a Service over store.
func NewService(store Store, log *slog.Logger) *Service {
	return &Service{store: store, log: log, now: time.Now}
}

// Get returns a courier by id: INVALID_INPUT on "id" for a malformed id,
// NOT_FOUND for an unknown one.
func (s *Service) Get(ctx context.Context, id string) (Courier, error) {
	id, err := ParseID("id", id)
	if err != nil {
		return Courier{}, err
	}
	return s.store.ByID(ctx, id)
}

// GetMany returns the couriers with the given ids, in the ids' order, with
// the zero Courier where an id is unknown or malformed.
func (s *Service) GetMany(ctx context.Context, ids []string) ([]Courier, error) {
	canonical := make([]string, len(ids))
	valid := make([]string, 0, len(ids))
	for i, id := range ids {
		if c, err := ParseID("id", id); err == nil {
			canonical[i] = c
			valid = append(valid, c)
		}
	}
	found, err := s.store.ByIDs(ctx, valid)
	if err != nil {
		return nil, err
	}
	return batch.InOrder(canonical, found, func(c Courier) string { return c.ID }), nil
}

// Register adds a courier, OFFLINE.
func (s *Service) Register(ctx context.Context, in NewCourier) (Courier, error) {
	c, err := newCourier(in, s.now())
	if err != nil {
		return Courier{}, err
	}
	if err := s.store.Create(ctx, c); err != nil {
		return Courier{}, err
	}
	s.log.InfoContext(ctx, "courier registered", "courier_id", c.ID)
	return c, nil
}

// Count returns how many couriers there are.
func (s *Service) Count(ctx context.Context) (int, error) { return s.store.Count(ctx) }
