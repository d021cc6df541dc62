package dashboardstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/vendorsvc/dashboard"
	"github.com/platterhq/platter/subgraphs/vendorsvc/dashboardstore"
)

// The suite runs on the embedded server, or on a real MongoDB when
// MONGO_URI is set: the same suite proves both behave alike.
func newStore(t *testing.T) *dashboardstore.Store {
	t.Helper()
	ctx := context.Background()
	uri, dbName := testenv.Mongo(t)
	client, err := mongodb.Connect(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	db := client.Database(dbName)
	for range 2 { // migrating again changes nothing
		if err := dashboardstore.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	return dashboardstore.New(db)
}

// base is a time the store keeps exactly (BSON dates hold milliseconds).
var base = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

func put(t *testing.T, s *dashboardstore.Store, o dashboard.Order) {
	t.Helper()
	err := s.UpdateOrder(context.Background(), o.ID, func(*dashboard.Order) (*dashboard.Order, error) { return &o, nil })
	if err != nil {
		t.Fatal(err)
	}
}

func putReview(t *testing.T, s *dashboardstore.Store, r dashboard.Review) {
	t.Helper()
	err := s.UpdateReview(context.Background(), r.ID, func(*dashboard.Review) (*dashboard.Review, error) { return &r, nil })
	if err != nil {
		t.Fatal(err)
	}
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	slices.Sort(out)
	return out
}

func orderIDs(os []dashboard.Order) []string {
	return ids(os, func(o dashboard.Order) string { return o.ID })
}

func TestUpdateOrder(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	want := dashboard.Order{
		ID: "o1", VendorID: "v1", CustomerID: "c1", Status: "PLACED",
		Total: events.Money{Amount: 1250, Currency: "EUR"}, PlacedAt: base, Version: 1,
	}

	var seen []*dashboard.Order
	record := func(next *dashboard.Order) func(*dashboard.Order) (*dashboard.Order, error) {
		return func(cur *dashboard.Order) (*dashboard.Order, error) {
			seen = append(seen, cur)
			return next, nil
		}
	}
	if err := s.UpdateOrder(ctx, "o1", record(&want)); err != nil {
		t.Fatal(err)
	}
	delivered := want
	delivered.Status, delivered.DeliveredAt, delivered.Version = "DELIVERED", base.Add(time.Hour), 7
	if err := s.UpdateOrder(ctx, "o1", record(&delivered)); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateOrder(ctx, "o1", record(nil)); err != nil { // nothing to save
		t.Fatal(err)
	}
	if len(seen) != 3 || seen[0] != nil || *seen[1] != want || *seen[2] != delivered {
		t.Fatalf("change saw %v", seen)
	}

	got, err := s.OrdersDelivered(ctx, "v1", dashboard.Range{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != delivered || got[0].PlacedAt.Location() != time.UTC {
		t.Fatalf("stored %+v, want %+v", got, delivered)
	}

	boom := errors.New("boom")
	if err := s.UpdateOrder(ctx, "o1", func(*dashboard.Order) (*dashboard.Order, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("change error: got %v", err)
	}
	other := want
	other.ID = "o2"
	if err := s.UpdateOrder(ctx, "o1", record(&other)); err == nil {
		t.Fatal("saving another id under o1 succeeded")
	}
}

func TestOrderRanges(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	order := func(id, vendor string, placed time.Time, delivered time.Time) dashboard.Order {
		return dashboard.Order{
			ID: id, VendorID: vendor, CustomerID: "c1", Status: "PLACED",
			Total: events.Money{Amount: 100, Currency: "EUR"}, PlacedAt: placed, DeliveredAt: delivered, Version: 1,
		}
	}
	put(t, s, order("before", "v1", base.Add(-time.Millisecond), time.Time{}))
	put(t, s, order("from", "v1", base, base.Add(2*time.Hour)))
	put(t, s, order("inside", "v1", base.Add(30*time.Minute), base.Add(50*time.Minute)))
	put(t, s, order("to", "v1", base.Add(time.Hour), time.Time{}))
	put(t, s, order("other", "v2", base.Add(10*time.Minute), base.Add(20*time.Minute)))

	r := dashboard.Range{From: base, To: base.Add(time.Hour)}
	placed, err := s.OrdersPlaced(ctx, "v1", r)
	if err != nil {
		t.Fatal(err)
	}
	if got := orderIDs(placed); !slices.Equal(got, []string{"from", "inside"}) {
		t.Errorf("placed in [from, to): %v", got)
	}
	delivered, err := s.OrdersDelivered(ctx, "v1", r)
	if err != nil {
		t.Fatal(err)
	}
	if got := orderIDs(delivered); !slices.Equal(got, []string{"inside"}) {
		t.Errorf("delivered in [from, to): %v", got)
	}
	delivered, err = s.OrdersDelivered(ctx, "v1", dashboard.Range{})
	if err != nil {
		t.Fatal(err)
	}
	if got := orderIDs(delivered); !slices.Equal(got, []string{"from", "inside"}) {
		t.Errorf("delivered ever: %v", got)
	}
	placed, err = s.OrdersPlaced(ctx, "v1", dashboard.Range{From: base.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if got := orderIDs(placed); !slices.Equal(got, []string{"inside", "to"}) {
		t.Errorf("placed from a time on: %v", got)
	}
	placed, err = s.OrdersPlaced(ctx, "nobody", dashboard.Range{})
	if err != nil || len(placed) != 0 {
		t.Errorf("unknown vendor: %v, %v", placed, err)
	}
}

func TestReviews(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	review := func(id, vendor string, created time.Time, deleted bool) dashboard.Review {
		return dashboard.Review{ID: id, VendorID: vendor, TargetType: dashboard.TargetVendor, Rating: 4, CreatedAt: created, Deleted: deleted, Version: 1}
	}
	putReview(t, s, review("kept", "v1", base, false))
	putReview(t, s, review("deleted", "v1", base.Add(time.Minute), true))
	putReview(t, s, review("late", "v1", base.Add(time.Hour), false))
	putReview(t, s, review("other", "v2", base, false))

	got, err := s.Reviews(ctx, "v1", dashboard.Range{From: base, To: base.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != review("kept", "v1", base, false) {
		t.Fatalf("reviews: %+v", got)
	}
	edited := review("kept", "v1", base, false)
	edited.Rating, edited.Version = 2, 2
	putReview(t, s, edited)
	got, err = s.Reviews(ctx, "v1", dashboard.Range{})
	if err != nil {
		t.Fatal(err)
	}
	if names := ids(got, func(r dashboard.Review) string { return r.ID }); !slices.Equal(names, []string{"kept", "late"}) {
		t.Fatalf("reviews ever: %v", names)
	}
	for _, r := range got {
		if r.ID == "kept" && r != edited {
			t.Fatalf("edited review reads %+v", r)
		}
	}
}

func TestCurrency(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if c, err := s.Currency(ctx, "v1"); err != nil || c != "" {
		t.Fatalf("no orders: %q, %v", c, err)
	}
	put(t, s, dashboard.Order{ID: "o1", VendorID: "v1", CustomerID: "c", Total: events.Money{Currency: "USD"}, PlacedAt: base, Version: 1})
	put(t, s, dashboard.Order{ID: "o2", VendorID: "v1", CustomerID: "c", Total: events.Money{Currency: "EUR"}, PlacedAt: base.Add(time.Hour), Version: 1})
	put(t, s, dashboard.Order{ID: "o3", VendorID: "v2", CustomerID: "c", Total: events.Money{Currency: "GBP"}, PlacedAt: base.Add(2 * time.Hour), Version: 1})
	if c, err := s.Currency(ctx, "v1"); err != nil || c != "EUR" {
		t.Fatalf("latest order's currency: %q, %v", c, err)
	}
}

// Concurrent read-change-writes of one document lose nothing, whether the
// document exists yet or not: the embedded server alone would let two of
// them pass the same version filter.
func TestConcurrentUpdatesSerialise(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const writers = 16
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for range writers {
		wg.Go(func() {
			errs <- s.UpdateOrder(ctx, "o1", func(cur *dashboard.Order) (*dashboard.Order, error) {
				next := dashboard.Order{ID: "o1", VendorID: "v1", CustomerID: "c1", PlacedAt: base, Version: 1}
				if cur != nil {
					next.Version = cur.Version + 1
				}
				return &next, nil
			})
			errs <- s.UpdateReview(ctx, "r1", func(cur *dashboard.Review) (*dashboard.Review, error) {
				next := dashboard.Review{ID: "r1", VendorID: "v1", TargetType: dashboard.TargetVendor, Rating: 5, CreatedAt: base, Version: 1}
				if cur != nil {
					next.Version = cur.Version + 1
				}
				return &next, nil
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	orders, err := s.OrdersPlaced(ctx, "v1", dashboard.Range{})
	if err != nil {
		t.Fatal(err)
	}
	reviews, err := s.Reviews(ctx, "v1", dashboard.Range{})
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 1 || orders[0].Version != writers || len(reviews) != 1 || reviews[0].Version != writers {
		t.Fatalf("after %d writers: orders %+v, reviews %+v", writers, orders, reviews)
	}
}

func TestMigrateCreatesIndexes(t *testing.T) {
	ctx := context.Background()
	uri, dbName := testenv.Mongo(t)
	client, err := mongodb.Connect(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	db := client.Database(dbName)
	if err := dashboardstore.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	names := map[string][]string{}
	for _, coll := range []string{"dashboard_orders", "dashboard_reviews"} {
		specs, err := db.Collection(coll).Indexes().ListSpecifications(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, sp := range specs {
			names[coll] = append(names[coll], sp.Name)
		}
		slices.Sort(names[coll])
	}
	want := map[string][]string{
		"dashboard_orders":  {"_id_", "vendor_delivered_at", "vendor_placed_at"},
		"dashboard_reviews": {"_id_", "vendor_created_at"},
	}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Fatalf("indexes %v, want %v", names, want)
	}
}
