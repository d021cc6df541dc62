package dashboard_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/vendorsvc/dashboard"
	"github.com/platterhq/platter/subgraphs/vendorsvc/dashboardstore"
)

// The subscriber name the vendor subgraph consumes under.
const subscriber = "vendor"

// projection is the dashboard on the Mongo store (the embedded server, or
// MONGO_URI), fed by a memory bus.
type projection struct {
	svc   *dashboard.Service
	store *dashboardstore.Store
	bus   *events.MemoryBus
}

func newProjection(t *testing.T) projection {
	t.Helper()
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
	store := dashboardstore.New(db)
	svc := dashboard.NewService(store)

	bus := events.NewMemoryBus(logging.Discard(), events.WithRetry(events.Retry{InitialBackoff: time.Millisecond}))
	t.Cleanup(func() { _ = bus.Close() })
	subCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	mux := svc.Handlers()
	if err := bus.Subscribe(subCtx, subscriber, mux.Handle, mux.Types()...); err != nil {
		t.Fatal(err)
	}
	return projection{svc: svc, store: store, bus: bus}
}

// event returns an envelope of typ carrying data, as if it happened at
// when.
func event(t *testing.T, source, typ, subject string, when time.Time, data any) events.Envelope {
	t.Helper()
	e, err := events.New(context.Background(), source, typ, subject, data)
	if err != nil {
		t.Fatal(err)
	}
	e.Time = when
	return e
}

func orderEvent(t *testing.T, typ string, when time.Time, d events.OrderData) events.Envelope {
	t.Helper()
	return event(t, "shopping", typ, d.OrderID, when, d)
}

func reviewEvent(t *testing.T, typ string, d events.ReviewData) events.Envelope {
	t.Helper()
	return event(t, "feedback", typ, d.ReviewID, d.CreatedAt, d)
}

// eventually polls check until it reports "" or the deadline passes.
func eventually(t *testing.T, check func() string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		problem := check()
		if problem == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(problem)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p projection) series(t *testing.T, metric dashboard.Metric, window dashboard.Window, now time.Time, from int) string {
	t.Helper()
	bs, err := p.svc.Series(context.Background(), "v1", time.UTC, metric, window, now)
	if err != nil {
		t.Fatal(err)
	}
	return counts(bs, from)
}

func (p projection) noDeadLetters(t *testing.T) {
	t.Helper()
	if dl := p.bus.DeadLetters(subscriber); len(dl) != 0 {
		t.Fatalf("dead letters: %+v", dl)
	}
}

// Orders converge to their newest version whatever the delivery order and
// however often an event comes.
func TestProjectOrders(t *testing.T) {
	ctx := context.Background()
	p := newProjection(t)
	now := at(time.UTC, 2025, 3, 12, 10, 0)
	placed := now.Add(-26 * time.Hour) // yesterday, 08:00
	data := func(id, customer, status string, total int64, version int64) events.OrderData {
		return events.OrderData{
			OrderID: id, CheckoutID: "k-" + id, CustomerID: customer, VendorID: "v1",
			Status: status, Total: eur(total), Subtotal: eur(total), PlacedAt: placed, Version: version,
		}
	}
	deliveredAt := now.Add(-time.Hour)

	o1Placed := orderEvent(t, events.OrderPlaced, placed, data("o1", "c1", "PLACED", 1500, 1))
	o1Accepted := orderEvent(t, events.OrderAccepted, placed.Add(time.Minute), data("o1", "c1", "ACCEPTED", 1500, 2))
	o1Delivered := orderEvent(t, events.OrderDelivered, deliveredAt, data("o1", "c1", "DELIVERED", 1500, 5))
	// A later version still delivered (a correction): the delivery time stays.
	o1Again := orderEvent(t, events.OrderDelivered, now, data("o1", "c1", "DELIVERED", 1500, 6))
	o2Placed := orderEvent(t, events.OrderPlaced, placed, data("o2", "c2", "PLACED", 900, 1))
	o2Cancelled := orderEvent(t, events.OrderCancelled, placed.Add(time.Minute), data("o2", "c2", "CANCELLED", 900, 3))
	o3Placed := orderEvent(t, events.OrderPlaced, placed, data("o3", "c2", "PLACED", 700, 1))
	o3Delivered := orderEvent(t, events.OrderDelivered, deliveredAt, data("o3", "c2", "DELIVERED", 700, 5))
	o4 := data("o4", "c3", "PLACED", 400, 1)
	o4.PlacedAt = now
	o4Placed := orderEvent(t, events.OrderPlaced, now, o4)
	o4Placed2 := o4Placed // the same event again: a redelivery keeps the id
	other := data("x1", "c1", "DELIVERED", 99999, 5)
	other.VendorID = "v2"

	err := p.bus.Publish(ctx,
		o1Delivered, o1Placed, o1Accepted, o1Delivered, // out of order, redelivered
		o1Again,
		o2Cancelled, o2Placed, // the cancellation first
		o3Placed, o3Delivered, o3Delivered,
		orderEvent(t, events.OrderDelivered, deliveredAt, other),
		o4Placed2, o4Placed, // last: once o4 shows, every event before it was handled
	)
	if err != nil {
		t.Fatal(err)
	}

	// Orders by placing day: yesterday o1, o3 going ahead and o2 lost; today o4.
	eventually(t, func() string {
		if got, want := p.series(t, dashboard.MetricOrders, dashboard.WindowDay, now, 28), "2/1 1/0 "; got != want {
			return fmt.Sprintf("orders %q, want %q", got, want)
		}
		return ""
	})
	// Earnings by delivery hour: both in the hour before now.
	eventually(t, func() string {
		if got, want := p.series(t, dashboard.MetricEarnings, dashboard.WindowHour, now, 22), "2:2200 0:0 "; got != want {
			return fmt.Sprintf("earnings %q, want %q", got, want)
		}
		return ""
	})
	orders, err := p.store.OrdersDelivered(ctx, "v1", dashboard.Range{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orders {
		if o.ID == "o1" && (o.Version != 6 || !o.DeliveredAt.Equal(deliveredAt)) {
			t.Fatalf("o1 is %+v, want version 6 delivered at %v", o, deliveredAt)
		}
	}
	top, err := p.svc.TopCustomers(ctx, "v1", 10, "", time.UTC, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(top); got != "[{c1 1 {1500 EUR}} {c2 1 {700 EUR}}]" {
		t.Fatalf("top customers %s", got)
	}
	p.noDeadLetters(t)
}

// Edited ratings replace the old ones, deleted reviews drop out and stay
// out, courier reviews are not the vendor's.
func TestProjectReviews(t *testing.T) {
	ctx := context.Background()
	p := newProjection(t)
	now := at(time.UTC, 2025, 3, 12, 10, 30)
	written := now.Add(-10 * time.Minute)
	review := func(id, target string, rating int, version int64) events.ReviewData {
		return events.ReviewData{
			ReviewID: id, OrderID: "o1", CustomerID: "c1", TargetType: target, TargetID: "t-" + id,
			VendorID: "v1", Rating: rating, CreatedAt: written, Version: version,
		}
	}
	deleted := review("r2", "VENDOR", 4, 2)
	deleted.Deleted = true
	err := p.bus.Publish(ctx,
		reviewEvent(t, events.ReviewCreated, review("r1", "VENDOR", 5, 1)),
		reviewEvent(t, events.ReviewUpdated, review("r1", "VENDOR", 2, 2)),
		reviewEvent(t, events.ReviewCreated, review("r1", "VENDOR", 5, 1)), // redelivered, stale
		reviewEvent(t, events.ReviewDeleted, deleted),
		reviewEvent(t, events.ReviewCreated, review("r2", "VENDOR", 4, 1)), // late: the deletion holds
		reviewEvent(t, events.ReviewCreated, review("r4", "COURIER", 1, 1)),
		reviewEvent(t, events.ReviewCreated, review("r3", "PRODUCT", 3, 1)), // last: it shows when all are handled
	)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string {
		if got, want := p.series(t, dashboard.MetricReviews, dashboard.WindowHour, now, 23), "2~2.50 "; got != want {
			return fmt.Sprintf("reviews %q, want %q", got, want)
		}
		return ""
	})
	p.noDeadLetters(t)
}

// Deliveries of one order racing each other (several consumers, or a
// redelivery overlapping the first attempt) leave one snapshot at the
// newest version.
func TestConcurrentOrderEvents(t *testing.T) {
	ctx := context.Background()
	p := newProjection(t)
	handle := dashboard.ProjectOrderOnOrderChanged(p.store)
	now := at(time.UTC, 2025, 3, 12, 10, 0)
	var evs []events.Envelope
	for v := int64(1); v <= 8; v++ {
		status := "ACCEPTED"
		if v == 8 {
			status = "DELIVERED"
		}
		evs = append(evs, orderEvent(t, events.OrderAccepted, now, events.OrderData{
			OrderID: "o1", CustomerID: "c1", VendorID: "v1", Status: status, Total: eur(100), PlacedAt: now, Version: v,
		}))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(evs))
	for range 4 {
		for _, e := range evs {
			wg.Go(func() { errs <- handle(ctx, e) })
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	orders, err := p.store.OrdersPlaced(ctx, "v1", dashboard.Range{})
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 1 || orders[0].Version != 8 || orders[0].Status != "DELIVERED" || !orders[0].DeliveredAt.Equal(now) {
		t.Fatalf("snapshots %+v", orders)
	}
}

// Data no attempt can fix goes to the dead letters at once.
func TestMalformedEventsAreDeadLettered(t *testing.T) {
	ctx := context.Background()
	p := newProjection(t)
	now := at(time.UTC, 2025, 3, 12, 10, 0)
	bad := []events.Envelope{
		orderEvent(t, events.OrderPlaced, now, events.OrderData{OrderID: "o1", CustomerID: "c1", PlacedAt: now, Version: 1}), // no vendor
		orderEvent(t, events.OrderPlaced, now, events.OrderData{OrderID: "o2", CustomerID: "c1", VendorID: "v1", PlacedAt: now}),
		reviewEvent(t, events.ReviewCreated, events.ReviewData{ReviewID: "r1", TargetType: "VENDOR", VendorID: "v1", Rating: 9, CreatedAt: now, Version: 1}),
		event(t, "shopping", events.OrderPlaced, "o3", now, "not an order"),
	}
	if err := p.bus.Publish(ctx, bad...); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string {
		dl := p.bus.DeadLetters(subscriber)
		if len(dl) != len(bad) {
			return fmt.Sprintf("%d dead letters, want %d", len(dl), len(bad))
		}
		for _, d := range dl {
			if d.Attempts != 1 {
				return fmt.Sprintf("%s tried %d times", d.Envelope.ID, d.Attempts)
			}
		}
		return ""
	})
	placed, err := p.store.OrdersPlaced(ctx, "v1", dashboard.Range{})
	if err != nil || len(placed) != 0 {
		t.Fatalf("malformed events left %v, %v", placed, err)
	}
}
