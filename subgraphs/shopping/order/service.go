package order

import (
	"context"
	"log/slog"
	"slices"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/batch"
)

// Service runs the order use cases.
type Service struct {
	store Store
	log   *slog.Logger
}

// NewService returns a Service over store.
func NewService(store Store, log *slog.Logger) *Service {
	return &Service{store: store, log: log}
}

// errNotFound is also the answer for an order the caller may not read, so
// that nobody learns which order ids exist.
var errNotFound = apperr.E(apperr.NotFound, "order not found")

// Get returns the order if the caller may read it, NOT_FOUND otherwise.
func (s *Service) Get(ctx context.Context, caller auth.Identity, id string) (Order, error) {
	if err := checkID("id", id); err != nil {
		return Order{}, err
	}
	o, err := s.store.ByID(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if !CanRead(caller, o) {
		return Order{}, errNotFound
	}
	return o, nil
}

// GetMany returns the orders with the given ids in the ids' order, with
// the zero Order where an id is unknown, malformed or not the caller's to
// read.
func (s *Service) GetMany(ctx context.Context, caller auth.Identity, ids []string) ([]Order, error) {
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
	readable := slices.DeleteFunc(found, func(o Order) bool { return !CanRead(caller, o) })
	return batch.InOrder(ids, readable, func(o Order) string { return o.ID }), nil
}

// EnsureOrder stores o unless an order with its id exists; it reports
// whether it stored it. Demo data and imports use it; orders placed by
// customers come from checkout.
func (s *Service) EnsureOrder(ctx context.Context, o Order) (Order, bool, error) {
	o.PlacedAt = o.PlacedAt.UTC()
	if err := Validate(o); err != nil {
		return Order{}, false, err
	}
	err := s.store.Create(ctx, o)
	if apperr.CodeOf(err) == apperr.Conflict {
		// The id is taken (the order exists) or, rarely, the number is.
		existing, getErr := s.store.ByID(ctx, o.ID)
		if getErr != nil {
			return Order{}, false, err
		}
		return existing, false, nil
	}
	if err != nil {
		return Order{}, false, err
	}
	s.log.InfoContext(ctx, "order stored", "order_id", o.ID, "number", o.Number)
	return o, true, nil
}
