package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/internal/events"
)

// The owner's dashboard through the handler: order events published on the
// bus reach the projection, the buckets are the vendor's local days, and a
// redelivered event counts once.
func TestDashboardFromOrderEvents(t *testing.T) {
	e := seeded(t)
	now := time.Now().UTC()
	order := func(id, customer string, status string, version int64, total int64) events.OrderData {
		d := events.OrderData{
			OrderID: id, CheckoutID: id, CustomerID: customer, VendorID: demo.VendorID, Status: status,
			Total: events.Money{Amount: total, Currency: "EUR"}, PlacedAt: now.Add(-time.Minute), Version: version,
		}
		if status == "DELIVERED" {
			d.DeliveredAt = &now
		}
		return d
	}
	send := func(typ string, d events.OrderData) events.Envelope {
		env, err := events.New(context.Background(), "shopping", typ, d.OrderID, d)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.bus.Publish(context.Background(), env); err != nil {
			t.Fatal(err)
		}
		return env
	}
	send(events.OrderPlaced, order("order-1", "cust-a", "PLACED", 1, 1700))
	delivered := send(events.OrderDelivered, order("order-1", "cust-a", "DELIVERED", 5, 1700))
	send(events.OrderPlaced, order("order-2", "cust-b", "PLACED", 1, 900))
	send(events.OrderDelivered, order("order-2", "cust-b", "DELIVERED", 5, 900))
	send(events.OrderPlaced, order("order-3", "cust-b", "PLACED", 1, 1200))
	send(events.OrderDelivered, order("order-3", "cust-b", "DELIVERED", 5, 1200))
	if err := e.bus.Publish(context.Background(), delivered); err != nil { // a redelivery
		t.Fatal(err)
	}

	owner := e.as(demo.VendorID, auth.RoleVendor)
	type bucket struct {
		Start, End string
		Count      int
		Amount     *struct {
			Amount   int
			Currency string
		}
	}
	var out struct{ VendorDashboard []bucket }
	eventually(t, "the three deliveries in today's earnings", func() bool {
		owner.MustData(t, `{ vendorDashboard(metric: EARNINGS, window: DAY) { start end count amount { amount currency } } }`, nil, &out)
		last := out.VendorDashboard[len(out.VendorDashboard)-1]
		return last.Count == 3
	})
	if n := len(out.VendorDashboard); n != 30 {
		t.Fatalf("DAY has %d buckets, want 30", n)
	}
	last := out.VendorDashboard[len(out.VendorDashboard)-1]
	if last.Amount == nil || last.Amount.Amount != 3800 || last.Amount.Currency != "EUR" {
		t.Fatalf("today's earnings %+v, want 3800 EUR", last.Amount)
	}
	// Days start at midnight in Rome, not in UTC.
	start, err := time.Parse(time.RFC3339, last.Start)
	if err != nil {
		t.Fatal(err)
	}
	rome, _ := time.LoadLocation("Europe/Rome")
	if h, m, _ := start.In(rome).Clock(); h != 0 || m != 0 {
		t.Fatalf("today's bucket starts at %s, not at midnight in Rome", start.In(rome))
	}

	var top struct {
		VendorTopCustomers []struct {
			Customer struct{ ID string }
			Orders   int
			Spent    struct{ Amount int }
		}
	}
	owner.MustData(t, `{ vendorTopCustomers(limit: 5) { customer { id } orders spent { amount } } }`, nil, &top)
	if got := top.VendorTopCustomers; len(got) != 2 || got[0].Customer.ID != "cust-b" || got[0].Orders != 2 || got[0].Spent.Amount != 2100 || got[1].Spent.Amount != 1700 {
		t.Fatalf("top customers %+v, want cust-b (2 orders, 2100) then cust-a (1700)", got)
	}

	owner.Do(t, `{ vendorTopCustomers(limit: 0) { orders } }`, nil).ExpectCode(t, "INVALID_INPUT", "limit")
	e.as("someone", auth.RoleCustomer).Do(t, `{ vendorDashboard(metric: ORDERS, window: DAY) { count } }`, nil).ExpectCode(t, "FORBIDDEN", "")
}
