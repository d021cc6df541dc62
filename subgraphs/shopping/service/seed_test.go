package service

import (
	"context"
	"testing"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
)

func TestSeedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	svc, err := Open(ctx, config.Shopping{Auth: testenv.Keys(t).Issuer(), SQL: config.SQL{URL: testenv.SQLite(t)}}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	admin := auth.Identity{Subject: "admin", Roles: []auth.Role{auth.RoleAdmin}}
	ids := []string{demo.DeliveredOrderID, demo.PlacedOrderID}

	if err := Seed(ctx, svc, logging.Discard()); err != nil {
		t.Fatal(err)
	}
	first, err := svc.Orders.GetMany(ctx, admin, ids)
	if err != nil {
		t.Fatal(err)
	}
	if err := Seed(ctx, svc, logging.Discard()); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	again, err := svc.Orders.GetMany(ctx, admin, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ids {
		if first[i].ID != ids[i] || first[i].Number == "" || again[i].Number != first[i].Number {
			t.Fatalf("demo order %s: first %+v, then %+v", ids[i], first[i], again[i])
		}
	}
	customer := auth.Identity{Subject: demo.CustomerID, Roles: []auth.Role{auth.RoleCustomer}}
	if o, err := svc.Orders.Get(ctx, customer, demo.DeliveredOrderID); err != nil || o.CustomerID != demo.CustomerID {
		t.Fatalf("the demo customer cannot read the delivered demo order: %v", err)
	}
}
