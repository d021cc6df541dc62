package service

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/subgraphs/customer/account"
)

// quinoaBowlID is the Green Bowl's Quinoa Bowl (internal/demo's catalogue),
// the demo cart's dish from a second vendor.
const quinoaBowlID = "01966b2e-0000-7000-8000-0000000002b1"

// demoAddress is the demo customer's home, located already so that the demo
// needs no geocoding; its Text is demo.CustomerAddress.
var demoAddress = account.AddressInput{
	Label: "Home", Street: "Via Torino 20", City: "Milano", PostalCode: "20123", Country: "IT",
	Location: &account.GeoPoint{Lat: 45.4619, Lng: 9.1851},
}

// demoCart is the demo customer's cart: dishes of two vendors, by product id.
var demoCart = []account.CartItem{
	{ProductID: demo.MargheritaID, Quantity: 2},
	{ProductID: quinoaBowlID, Quantity: 1},
}

// ReplicaWait bounds how long SeedDemoCustomer waits for the product replica
// to learn the demo cart's dishes.
const ReplicaWait = 15 * time.Second

// SeedDemoCustomer gives the demo customer (demo.CustomerID, whose account
// must exist) its home address and a cart with dishes of two vendors, through the account
// rules, unless it has that address or a cart already: running it again
// changes nothing. The cart takes only products the replica knows, which
// it learns from product events: the seed waits for them up to ReplicaWait,
// so start the consumers (Start) and the product subgraph first.
func SeedDemoCustomer(ctx context.Context, svc *Service, log *slog.Logger) error {
	c, err := svc.Accounts.Get(ctx, demo.CustomerID)
	if err != nil {
		return fmt.Errorf("demo customer %s (seed the account first): %w", demo.CustomerID, err)
	}
	caller := auth.Identity{Subject: c.ID, Roles: []auth.Role{auth.RoleCustomer}}
	if !hasAddress(c, demo.CustomerAddress) {
		a, _, err := svc.Accounts.AddAddress(ctx, caller, demoAddress, true)
		if err != nil {
			return fmt.Errorf("demo address: %w", err)
		}
		log.InfoContext(ctx, "demo address added", "customer_id", c.ID, "address_id", a.ID)
	}
	if len(c.Cart) > 0 {
		return nil
	}
	if err := waitForProducts(ctx, svc.Accounts, demoCart); err != nil {
		return err
	}
	for _, it := range demoCart {
		if _, err := svc.Accounts.SetCartItem(ctx, caller, it.ProductID, it.Quantity); err != nil {
			return fmt.Errorf("demo cart, product %s: %w", it.ProductID, err)
		}
	}
	log.InfoContext(ctx, "demo cart filled", "customer_id", c.ID, "products", len(demoCart))
	return nil
}

func hasAddress(c account.Customer, text string) bool {
	for _, a := range c.Addresses {
		if a.Text() == text {
			return true
		}
	}
	return false
}

// waitForProducts polls the replica until it knows every product of items,
// for up to ReplicaWait.
func waitForProducts(ctx context.Context, accounts *account.Service, items []account.CartItem) error {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ProductID
	}
	ctx, cancel := context.WithTimeout(ctx, ReplicaWait)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		known, err := accounts.ProductStates(ctx, ids)
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("demo cart: %w", err)
		}
		var missing []string
		for _, id := range ids {
			if _, ok := known[id]; !ok {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 && err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo cart: the product replica does not know %v (are product events flowing?): %w", missing, ctx.Err())
		case <-tick.C:
		}
	}
}
