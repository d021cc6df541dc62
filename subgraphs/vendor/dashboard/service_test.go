package dashboard_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/subgraphs/vendorsvc/dashboard"
)

func eur(amount int64) events.Money { return events.Money{Amount: amount, Currency: "EUR"} }

// order is a vendor v1 order; a non-zero delivered time makes it delivered.
func order(id, customer, status string, total int64, placed, delivered time.Time) dashboard.Order {
	return dashboard.Order{
		ID: id, VendorID: "v1", CustomerID: customer, Status: status,
		Total: eur(total), PlacedAt: placed, DeliveredAt: delivered, Version: 1,
	}
}

func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.InvalidInput || e.Field != field {
		t.Fatalf("got %v, want INVALID_INPUT on %s", err, field)
	}
}

// counts renders a series compactly: "count/lost" or "count:amount" or
// "count~average" per bucket, from the oldest.
func counts(bs []dashboard.Bucket, from int) string {
	s := ""
	for _, b := range bs[from:] {
		switch {
		case b.Amount != nil:
			s += fmt.Sprintf("%d:%d ", b.Count, b.Amount.Amount)
		case b.AverageRating != nil:
			s += fmt.Sprintf("%d~%.2f ", b.Count, *b.AverageRating)
		default:
			s += fmt.Sprintf("%d/%d ", b.Count, b.Lost)
		}
	}
	return s
}

func TestSeriesOrders(t *testing.T) {
	ctx := context.Background()
	paris := zone(t, "Europe/Paris")
	now := at(paris, 2025, 3, 31, 12, 0)
	today := at(paris, 2025, 3, 31, 0, 0)
	store := newMemStore(
		order("a", "c1", "PLACED", 100, today, time.Time{}),                          // first instant of today
		order("b", "c1", "CANCELLED", 100, today.Add(-time.Nanosecond), time.Time{}), // last instant of yesterday
		order("c", "c2", "DELIVERED", 100, at(paris, 2025, 3, 30, 3, 30), today),     // the 23-hour day
		order("d", "c2", "REJECTED", 100, at(paris, 2025, 3, 30, 1, 0), time.Time{}),
		order("e", "c2", "EXPIRED", 100, at(paris, 2025, 3, 1, 23, 59), time.Time{}), // 31 days ago: out of the window
		order("f", "c3", "ACCEPTED", 100, now.Add(time.Hour), time.Time{}),           // later today
	)
	store.orders["other"] = dashboard.Order{ID: "other", VendorID: "v2", CustomerID: "c1", Total: eur(1), PlacedAt: today, Version: 1}
	svc := dashboard.NewService(store)

	bs, err := svc.Series(ctx, "v1", paris, dashboard.MetricOrders, dashboard.WindowDay, now)
	if err != nil {
		t.Fatal(err)
	}
	checkSeries(t, bs, 30, now)
	if got, want := counts(bs, 27), "0/0 1/2 2/0 "; got != want {
		t.Fatalf("last three days %q, want %q", got, want)
	}
	if got := counts(bs, 0)[:4]; got != "0/0 " {
		t.Fatalf("first day %q, want zeros", got)
	}
}

func TestSeriesEarnings(t *testing.T) {
	ctx := context.Background()
	now := at(time.UTC, 2025, 3, 12, 10, 0)
	day := func(d, h int) time.Time { return at(time.UTC, 2025, 3, d, h, 0) }
	store := newMemStore(
		// Placed late on the 10th, delivered on the 11th: earned on the 11th.
		order("a", "c1", "DELIVERED", 1250, day(10, 23), day(11, 0)),
		order("b", "c2", "DELIVERED", 750, day(11, 9), day(11, 10)),
		order("c", "c2", "DELIVERED", 300, day(12, 9), day(12, 9)),
		order("d", "c2", "PICKED_UP", 999, day(12, 8), time.Time{}),
		order("e", "c3", "CANCELLED", 999, day(12, 7), time.Time{}),
	)
	svc := dashboard.NewService(store)
	bs, err := svc.Series(ctx, "v1", time.UTC, dashboard.MetricEarnings, dashboard.WindowDay, now)
	if err != nil {
		t.Fatal(err)
	}
	checkSeries(t, bs, 30, now)
	if got, want := counts(bs, 27), "0:0 2:2000 1:300 "; got != want {
		t.Fatalf("last three days %q, want %q", got, want)
	}
	for _, b := range bs {
		if b.Amount == nil || b.Amount.Currency != "EUR" {
			t.Fatalf("bucket %v has amount %v", b.Start, b.Amount)
		}
	}

	// Nothing delivered in the window: zeros in the vendor's currency.
	bs, err = svc.Series(ctx, "v1", time.UTC, dashboard.MetricEarnings, dashboard.WindowHour, now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if bs[0].Amount == nil || *bs[0].Amount != eur(0) {
		t.Fatalf("empty window amount %v", bs[0].Amount)
	}
	// No order ever: no currency to show.
	bs, err = svc.Series(ctx, "nobody", time.UTC, dashboard.MetricEarnings, dashboard.WindowMonth, now)
	if err != nil {
		t.Fatal(err)
	}
	if bs[11].Amount != nil || bs[11].Count != 0 {
		t.Fatalf("vendor without orders: %+v", bs[11])
	}

	// Orders in two currencies are a fault upstream, not a sum.
	usd := order("f", "c1", "DELIVERED", 10, day(12, 1), day(12, 2))
	usd.Total.Currency = "USD"
	store.orders["f"] = usd
	if _, err := svc.Series(ctx, "v1", time.UTC, dashboard.MetricEarnings, dashboard.WindowDay, now); err == nil || apperr.CodeOf(err) != apperr.Internal {
		t.Fatalf("mixed currencies: %v", err)
	}
}

func TestSeriesReviews(t *testing.T) {
	ctx := context.Background()
	now := at(time.UTC, 2025, 3, 12, 10, 30)
	review := func(id string, rating int, created time.Time) dashboard.Review {
		return dashboard.Review{ID: id, VendorID: "v1", TargetType: dashboard.TargetVendor, Rating: rating, CreatedAt: created, Version: 1}
	}
	gone := review("gone", 1, now.Add(-time.Minute))
	gone.Deleted = true
	dish := review("dish", 3, now.Add(-2*time.Hour))
	dish.TargetType = dashboard.TargetProduct
	store := newMemStore().addReviews(
		review("a", 5, now.Add(-10*time.Minute)),
		review("b", 4, now.Add(-20*time.Minute)),
		gone,
		dish,
	)
	svc := dashboard.NewService(store)
	bs, err := svc.Series(ctx, "v1", time.UTC, dashboard.MetricReviews, dashboard.WindowHour, now)
	if err != nil {
		t.Fatal(err)
	}
	checkSeries(t, bs, 24, now)
	if got, want := counts(bs, 21), "1~3.00 0/0 2~4.50 "; got != want {
		t.Fatalf("last three hours %q, want %q", got, want)
	}
}

func TestSeriesRejectsBadArguments(t *testing.T) {
	ctx := context.Background()
	svc := dashboard.NewService(newMemStore())
	now := time.Now()
	_, err := svc.Series(ctx, "v1", time.UTC, "SALES", dashboard.WindowDay, now)
	wantInvalid(t, err, "metric")
	_, err = svc.Series(ctx, "v1", time.UTC, dashboard.MetricOrders, "YEAR", now)
	wantInvalid(t, err, "window")
	_, err = svc.Series(ctx, "v1", time.UTC, dashboard.MetricOrders, "", now)
	wantInvalid(t, err, "window")
	if _, err := svc.Series(ctx, "", time.UTC, dashboard.MetricOrders, dashboard.WindowDay, now); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("no vendor: %v", err)
	}
	for _, limit := range []int{0, -1, 51} {
		_, err := svc.TopCustomers(ctx, "v1", limit, "", time.UTC, now)
		wantInvalid(t, err, "limit")
	}
	_, err = svc.TopCustomers(ctx, "v1", 5, "FOREVER", time.UTC, now)
	wantInvalid(t, err, "window")
	// A nil zone is UTC.
	bs, err := svc.Series(ctx, "v1", nil, dashboard.MetricOrders, dashboard.WindowDay, now)
	if err != nil || bs[0].Start.Location() != time.UTC {
		t.Fatalf("nil zone: %v, %v", bs[0].Start, err)
	}
}

func TestTopCustomers(t *testing.T) {
	ctx := context.Background()
	now := at(time.UTC, 2025, 3, 12, 10, 0)
	long := now.AddDate(0, -3, 0)
	store := newMemStore(
		order("a1", "alice", "DELIVERED", 1000, now.Add(-2*time.Hour), now.Add(-time.Hour)),
		order("b1", "bob", "DELIVERED", 600, now.Add(-2*time.Hour), now.Add(-time.Hour)),
		order("b2", "bob", "DELIVERED", 400, now.Add(-2*time.Hour), now.Add(-time.Hour)),
		order("c1", "carol", "DELIVERED", 1000, now.Add(-2*time.Hour), now.Add(-time.Hour)),
		order("d1", "dave", "DELIVERED", 5000, long, long), // long ago
		order("e1", "erin", "CANCELLED", 9000, now.Add(-time.Hour), time.Time{}),
		order("e2", "erin", "PLACED", 9000, now.Add(-time.Hour), time.Time{}),
	)
	svc := dashboard.NewService(store)
	render := func(stats []dashboard.CustomerStat) string {
		s := ""
		for _, st := range stats {
			s += fmt.Sprintf("%s:%d/%d%s ", st.CustomerID, st.Orders, st.Spent.Amount, st.Spent.Currency)
		}
		return s
	}
	tests := []struct {
		limit  int
		window dashboard.Window
		want   string
	}{
		// Equal spend: more orders first, then by id.
		{50, "", "dave:1/5000EUR bob:2/1000EUR alice:1/1000EUR carol:1/1000EUR "},
		{2, "", "dave:1/5000EUR bob:2/1000EUR "},
		{50, dashboard.WindowDay, "bob:2/1000EUR alice:1/1000EUR carol:1/1000EUR "},
		{1, dashboard.WindowHour, "bob:2/1000EUR "},
	}
	for _, tt := range tests {
		got, err := svc.TopCustomers(ctx, "v1", tt.limit, tt.window, time.UTC, now)
		if err != nil {
			t.Fatal(err)
		}
		if render(got) != tt.want {
			t.Errorf("limit %d window %q: %q, want %q", tt.limit, tt.window, render(got), tt.want)
		}
	}
	got, err := svc.TopCustomers(ctx, "nobody", 10, "", time.UTC, now)
	if err != nil || len(got) != 0 {
		t.Fatalf("vendor without orders: %v, %v", got, err)
	}
}
