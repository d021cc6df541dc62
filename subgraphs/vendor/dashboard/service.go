package dashboard

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/events"
)

// Limits of TopCustomers.
const (
	MinTopCustomers = 1
	MaxTopCustomers = 50
)

// Service answers the dashboard's questions from the projection and keeps
// the projection from events (Handlers).
type Service struct {
	store Store
}

// NewService returns the dashboard over store.
func NewService(store Store) *Service { return &Service{store: store} }

// Series returns metric over window for the vendor: every bucket of the
// window in loc (UTC when nil), oldest first, the last one holding now,
// buckets with nothing in them included.
func (s *Service) Series(ctx context.Context, vendorID string, loc *time.Location, metric Metric, window Window, now time.Time) ([]Bucket, error) {
	if !metric.Valid() {
		return nil, apperr.Invalid("metric", "must be ORDERS, EARNINGS or REVIEWS")
	}
	if !window.Valid() {
		return nil, apperr.Invalid("window", "must be HOUR, DAY, WEEK or MONTH")
	}
	if vendorID == "" {
		return nil, apperr.E(apperr.Forbidden, "only a vendor has a dashboard")
	}
	if loc == nil {
		loc = time.UTC
	}
	buckets := Buckets(window, loc, now)
	r := Range{From: buckets[0].Start, To: buckets[len(buckets)-1].End}
	var err error
	switch metric {
	case MetricOrders:
		err = s.countOrders(ctx, vendorID, r, buckets)
	case MetricEarnings:
		err = s.sumEarnings(ctx, vendorID, r, buckets)
	case MetricReviews:
		err = s.rateReviews(ctx, vendorID, r, buckets)
	}
	if err != nil {
		return nil, err
	}
	return buckets, nil
}

func (s *Service) countOrders(ctx context.Context, vendorID string, r Range, buckets []Bucket) error {
	orders, err := s.store.OrdersPlaced(ctx, vendorID, r)
	if err != nil {
		return fmt.Errorf("dashboard orders: %w", err)
	}
	for _, o := range orders {
		i := bucketOf(buckets, o.PlacedAt)
		switch {
		case i < 0:
		case o.Lost():
			buckets[i].Lost++
		default:
			buckets[i].Count++
		}
	}
	return nil
}

func (s *Service) sumEarnings(ctx context.Context, vendorID string, r Range, buckets []Bucket) error {
	orders, err := s.store.OrdersDelivered(ctx, vendorID, r)
	if err != nil {
		return fmt.Errorf("dashboard earnings: %w", err)
	}
	currency, err := s.currency(ctx, vendorID, orders)
	if err != nil {
		return err
	}
	sums := make([]int64, len(buckets))
	for _, o := range orders {
		if i := bucketOf(buckets, o.DeliveredAt); i >= 0 {
			buckets[i].Count++
			sums[i] += o.Total.Amount
		}
	}
	if currency == "" {
		return nil // no order ever: no currency to show zeros in
	}
	for i := range buckets {
		buckets[i].Amount = &events.Money{Amount: sums[i], Currency: currency}
	}
	return nil
}

// currency is the one currency of orders, or the vendor's when orders is
// empty. A vendor trades in one currency; orders in several mean a bug
// upstream, and adding them up would show a wrong figure, so it is an
// error rather than a guess.
func (s *Service) currency(ctx context.Context, vendorID string, orders []Order) (string, error) {
	if len(orders) == 0 {
		c, err := s.store.Currency(ctx, vendorID)
		if err != nil {
			return "", fmt.Errorf("dashboard currency: %w", err)
		}
		return c, nil
	}
	c := orders[0].Total.Currency
	for _, o := range orders[1:] {
		if o.Total.Currency != c {
			return "", fmt.Errorf("vendor %s has orders in %s and %s", vendorID, c, o.Total.Currency)
		}
	}
	return c, nil
}

func (s *Service) rateReviews(ctx context.Context, vendorID string, r Range, buckets []Bucket) error {
	reviews, err := s.store.Reviews(ctx, vendorID, r)
	if err != nil {
		return fmt.Errorf("dashboard reviews: %w", err)
	}
	sums := make([]int, len(buckets))
	for _, rv := range reviews {
		if i := bucketOf(buckets, rv.CreatedAt); i >= 0 {
			buckets[i].Count++
			sums[i] += rv.Rating
		}
	}
	for i := range buckets {
		if buckets[i].Count > 0 {
			avg := float64(sums[i]) / float64(buckets[i].Count)
			buckets[i].AverageRating = &avg
		}
	}
	return nil
}

// TopCustomers returns the vendor's customers by delivered orders, the
// biggest spenders first (then the most orders, then by id, so the order
// is stable), at most limit (1 to 50) of them. With a window, only the
// orders delivered within its span in loc (UTC when nil) count; with
// window "" every delivered order does.
func (s *Service) TopCustomers(ctx context.Context, vendorID string, limit int, window Window, loc *time.Location, now time.Time) ([]CustomerStat, error) {
	if limit < MinTopCustomers || limit > MaxTopCustomers {
		return nil, apperr.Invalid("limit", "must be between %d and %d", MinTopCustomers, MaxTopCustomers)
	}
	if window != "" && !window.Valid() {
		return nil, apperr.Invalid("window", "must be HOUR, DAY, WEEK or MONTH")
	}
	if vendorID == "" {
		return nil, apperr.E(apperr.Forbidden, "only a vendor has customers")
	}
	if loc == nil {
		loc = time.UTC
	}
	var r Range
	if window != "" {
		r = span(window, loc, now)
	}
	orders, err := s.store.OrdersDelivered(ctx, vendorID, r)
	if err != nil {
		return nil, fmt.Errorf("dashboard top customers: %w", err)
	}
	currency, err := s.currency(ctx, vendorID, orders)
	if err != nil {
		return nil, err
	}
	byCustomer := map[string]*CustomerStat{}
	for _, o := range orders {
		st := byCustomer[o.CustomerID]
		if st == nil {
			st = &CustomerStat{CustomerID: o.CustomerID, Spent: events.Money{Currency: currency}}
			byCustomer[o.CustomerID] = st
		}
		st.Orders++
		st.Spent.Amount += o.Total.Amount
	}
	stats := make([]CustomerStat, 0, len(byCustomer))
	for _, st := range byCustomer {
		stats = append(stats, *st)
	}
	slices.SortFunc(stats, func(a, b CustomerStat) int {
		return cmp.Or(
			cmp.Compare(b.Spent.Amount, a.Spent.Amount),
			cmp.Compare(b.Orders, a.Orders),
			cmp.Compare(a.CustomerID, b.CustomerID),
		)
	})
	return stats[:min(limit, len(stats))], nil
}
