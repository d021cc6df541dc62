package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/subgraphs/customer/account"
	"github.com/platterhq/platter/subgraphs/customer/service"
)

const quinoaBowlID = "01966b2e-0000-7000-8000-0000000002b1"

// The demo cart's second dish is the Green Bowl's, in the shared catalogue.
func TestDemoCartDishesAreInTheCatalogue(t *testing.T) {
	vendorOf := map[string]string{}
	for _, v := range demo.Vendors {
		for _, s := range v.Menu {
			for _, d := range s.Dishes {
				vendorOf[d.ID] = v.ID
			}
		}
	}
	if vendorOf[demo.MargheritaID] != demo.VendorID || vendorOf[quinoaBowlID] != demo.GreenBowlID {
		t.Fatalf("demo dishes belong to %q and %q", vendorOf[demo.MargheritaID], vendorOf[quinoaBowlID])
	}
}

func TestSeedDemoCustomerIsIdempotent(t *testing.T) {
	h := newHarness(t, "", "")
	ctx := t.Context()
	if err := service.SeedDemoCustomer(ctx, h.svc, logging.Discard()); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("seed before the account exists: %v, want NOT_FOUND", err)
	}
	if _, _, err := h.svc.Accounts.EnsureCustomer(ctx, demo.CustomerID, account.SignUp{Name: "Demo Customer", Email: "customer@platter.local", Password: demo.Password}); err != nil {
		t.Fatal(err)
	}

	// The seed waits for the product replica, which the product events
	// published meanwhile fill.
	seeded := make(chan error, 1)
	go func() { seeded <- service.SeedDemoCustomer(ctx, h.svc, logging.Discard()) }()
	publish := withProducts(t, h)
	publish(events.ProductData{ProductID: demo.MargheritaID, VendorID: demo.VendorID, Available: true, Version: 1})
	publish(events.ProductData{ProductID: quinoaBowlID, VendorID: demo.GreenBowlID, Available: true, Version: 1})
	if err := <-seeded; err != nil {
		t.Fatal(err)
	}

	c, err := h.svc.Accounts.Get(ctx, demo.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Addresses) != 1 {
		t.Fatalf("addresses %+v", c.Addresses)
	}
	a := c.Addresses[0]
	if a.Label != "Home" || a.Text() != demo.CustomerAddress || c.DefaultAddressID != a.ID || a.Location == nil || *a.Location != (account.GeoPoint{Lat: 45.4619, Lng: 9.1851}) {
		t.Fatalf("demo address %+v (default %s)", a, c.DefaultAddressID)
	}
	cart := map[string]int{}
	for _, it := range c.Cart {
		cart[it.ProductID] = it.Quantity
	}
	if len(cart) != 2 || cart[demo.MargheritaID] != 2 || cart[quinoaBowlID] != 1 {
		t.Fatalf("demo cart %v", cart)
	}
	if n := len(h.published.of(events.CustomerAddressGeocodingRequested, demo.CustomerID)); n != 0 {
		t.Fatalf("the located demo address asked for geocoding %d times", n)
	}

	if err := service.SeedDemoCustomer(ctx, h.svc, logging.Discard()); err != nil {
		t.Fatal(err)
	}
	again, err := h.svc.Accounts.Get(ctx, demo.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Version != c.Version || len(again.Addresses) != 1 || len(again.Cart) != 2 {
		t.Fatalf("seeding again changed the customer: version %d→%d, %+v", c.Version, again.Version, again)
	}
}

// Without product events the seed gives up when its context ends, having
// added the address but no cart.
func TestSeedDemoCustomerStopsWithItsContext(t *testing.T) {
	h := newHarness(t, "", "")
	if _, _, err := h.svc.Accounts.EnsureCustomer(t.Context(), demo.CustomerID, account.SignUp{Name: "Demo Customer", Email: "customer@platter.local", Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := service.SeedDemoCustomer(ctx, h.svc, logging.Discard())
	if err == nil {
		t.Fatal("seeded a cart of products the replica does not know")
	}
	if waited := time.Since(start); waited > service.ReplicaWait/2 {
		t.Fatalf("seed ignored its context: returned after %v", waited)
	}
	c, err := h.svc.Accounts.Get(t.Context(), demo.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Addresses) != 1 || len(c.Cart) != 0 {
		t.Fatalf("after a failed seed: %+v", c)
	}
}
