package dashboard_test

import (
	"context"
	"sync"
	"time"

	"github.com/platterhq/platter/subgraphs/vendorsvc/dashboard"
)

// memStore is an in-memory dashboard.Store for the domain tests; the Mongo
// store has its own suite.
type memStore struct {
	mu      sync.Mutex
	orders  map[string]dashboard.Order
	reviews map[string]dashboard.Review
}

var _ dashboard.Store = (*memStore)(nil)

func newMemStore(orders ...dashboard.Order) *memStore {
	s := &memStore{orders: map[string]dashboard.Order{}, reviews: map[string]dashboard.Review{}}
	for _, o := range orders {
		s.orders[o.ID] = o
	}
	return s
}

func (s *memStore) addReviews(rs ...dashboard.Review) *memStore {
	for _, r := range rs {
		s.reviews[r.ID] = r
	}
	return s
}

func update[T any](mu *sync.Mutex, m map[string]T, id string, change func(*T) (*T, error)) error {
	mu.Lock()
	defer mu.Unlock()
	var cur *T
	if v, ok := m[id]; ok {
		cur = &v
	}
	next, err := change(cur)
	if next != nil && err == nil {
		m[id] = *next
	}
	return err
}

func (s *memStore) UpdateOrder(_ context.Context, id string, change func(*dashboard.Order) (*dashboard.Order, error)) error {
	return update(&s.mu, s.orders, id, change)
}

func (s *memStore) UpdateReview(_ context.Context, id string, change func(*dashboard.Review) (*dashboard.Review, error)) error {
	return update(&s.mu, s.reviews, id, change)
}

func within(r dashboard.Range, t time.Time) bool {
	return !t.IsZero() && (r.From.IsZero() || !t.Before(r.From)) && (r.To.IsZero() || t.Before(r.To))
}

func (s *memStore) orderWhere(vendorID string, keep func(dashboard.Order) bool) []dashboard.Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []dashboard.Order
	for _, o := range s.orders {
		if o.VendorID == vendorID && keep(o) {
			out = append(out, o)
		}
	}
	return out
}

func (s *memStore) OrdersPlaced(_ context.Context, vendorID string, r dashboard.Range) ([]dashboard.Order, error) {
	return s.orderWhere(vendorID, func(o dashboard.Order) bool { return within(r, o.PlacedAt) }), nil
}

func (s *memStore) OrdersDelivered(_ context.Context, vendorID string, r dashboard.Range) ([]dashboard.Order, error) {
	return s.orderWhere(vendorID, func(o dashboard.Order) bool { return within(r, o.DeliveredAt) }), nil
}

func (s *memStore) Reviews(_ context.Context, vendorID string, r dashboard.Range) ([]dashboard.Review, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []dashboard.Review
	for _, rv := range s.reviews {
		if rv.VendorID == vendorID && !rv.Deleted && within(r, rv.CreatedAt) {
			out = append(out, rv)
		}
	}
	return out, nil
}

func (s *memStore) Currency(_ context.Context, vendorID string) (string, error) {
	var latest dashboard.Order
	for _, o := range s.orderWhere(vendorID, func(dashboard.Order) bool { return true }) {
		if o.PlacedAt.After(latest.PlacedAt) {
			latest = o
		}
	}
	return latest.Total.Currency, nil
}
