package order

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/logging"
)

func TestNewNumber(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		n, err := NewNumber()
		if err != nil {
			t.Fatal(err)
		}
		if !validNumber(n) || len(n) != 11 || strings.ContainsAny(n[3:], "ILOU") {
			t.Fatalf("number %q", n)
		}
		if seen[n] {
			t.Fatalf("number %q repeated", n)
		}
		seen[n] = true
	}
}

func validOrder() Order {
	return Order{ID: "o1", Number: "PL-7K3M9QZR", CustomerID: "c1", VendorID: "v1", Status: StatusPlaced, PlacedAt: time.Now()}
}

func TestValidate(t *testing.T) {
	if err := Validate(validOrder()); err != nil {
		t.Fatalf("valid order: %v", err)
	}
	cases := []struct {
		name  string
		edit  func(*Order)
		field string
	}{
		{"empty id", func(o *Order) { o.ID = "" }, "id"},
		{"long id", func(o *Order) { o.ID = strings.Repeat("a", 37) }, "id"},
		{"blank customer", func(o *Order) { o.CustomerID = " " }, "customerId"},
		{"empty vendor", func(o *Order) { o.VendorID = "" }, "vendorId"},
		{"no prefix", func(o *Order) { o.Number = "XX-7K3M9QZR" }, "number"},
		{"short number", func(o *Order) { o.Number = "PL-7K3M" }, "number"},
		{"letter outside the alphabet", func(o *Order) { o.Number = "PL-7K3M9QZU" }, "number"},
		{"unknown status", func(o *Order) { o.Status = "LOST" }, "status"},
		{"no time", func(o *Order) { o.PlacedAt = time.Time{} }, "placedAt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := validOrder()
			c.edit(&o)
			e, ok := apperr.As(Validate(o))
			if !ok || e.Code != apperr.InvalidInput || e.Field != c.field {
				t.Fatalf("got %v, want INVALID_INPUT on %s", e, c.field)
			}
		})
	}
}

func TestCanRead(t *testing.T) {
	o := validOrder()
	cases := []struct {
		name   string
		caller auth.Identity
		want   bool
	}{
		{"its customer", auth.Identity{Subject: "c1", Roles: []auth.Role{auth.RoleCustomer}}, true},
		{"its vendor", auth.Identity{Subject: "v1", Roles: []auth.Role{auth.RoleVendor}}, true},
		{"an admin", auth.Identity{Subject: "a1", Roles: []auth.Role{auth.RoleAdmin}}, true},
		{"another customer", auth.Identity{Subject: "c2", Roles: []auth.Role{auth.RoleCustomer}}, false},
		{"another vendor", auth.Identity{Subject: "v2", Roles: []auth.Role{auth.RoleVendor}}, false},
		{"the vendor's id without the vendor role", auth.Identity{Subject: "v1", Roles: []auth.Role{auth.RoleCourier}}, false},
		{"anonymous", auth.Identity{}, false},
	}
	for _, c := range cases {
		if got := CanRead(c.caller, o); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

// memStore is the in-memory Store the service tests use.
type memStore map[string]Order

func (m memStore) Create(_ context.Context, o Order) error {
	for _, x := range m {
		if x.ID == o.ID || x.Number == o.Number {
			return apperr.E(apperr.Conflict, "order exists")
		}
	}
	m[o.ID] = o
	return nil
}

func (m memStore) ByID(_ context.Context, id string) (Order, error) {
	o, ok := m[id]
	if !ok {
		return Order{}, apperr.E(apperr.NotFound, "order not found")
	}
	return o, nil
}

func (m memStore) ByIDs(_ context.Context, ids []string) ([]Order, error) {
	var out []Order
	for _, id := range ids {
		if o, ok := m[id]; ok {
			out = append(out, o)
		}
	}
	return out, nil
}

func TestServiceHidesOthersOrders(t *testing.T) {
	ctx := context.Background()
	svc := NewService(memStore{}, logging.Discard())
	o := validOrder()
	if _, created, err := svc.EnsureOrder(ctx, o); err != nil || !created {
		t.Fatalf("ensure: %v %v", created, err)
	}
	owner := auth.Identity{Subject: "c1", Roles: []auth.Role{auth.RoleCustomer}}
	stranger := auth.Identity{Subject: "c2", Roles: []auth.Role{auth.RoleCustomer}}
	if got, err := svc.Get(ctx, owner, "o1"); err != nil || got.ID != "o1" {
		t.Fatalf("owner: %v %+v", err, got)
	}
	_, hidden := svc.Get(ctx, stranger, "o1")
	_, missing := svc.Get(ctx, stranger, "o2")
	if apperr.CodeOf(hidden) != apperr.NotFound || hidden.Error() != missing.Error() {
		t.Fatalf("a stranger must see the same NOT_FOUND as for a missing order: %v / %v", hidden, missing)
	}
	if _, err := svc.Get(ctx, owner, ""); apperr.CodeOf(err) != apperr.InvalidInput {
		t.Fatalf("empty id: %v", err)
	}

	many, err := svc.GetMany(ctx, owner, []string{"o2", "o1", strings.Repeat("x", 40), "o1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(many) != 4 || many[0].ID != "" || many[1].ID != "o1" || many[2].ID != "" || many[3].ID != "o1" {
		t.Fatalf("get many: %+v", many)
	}
	if many, _ := svc.GetMany(ctx, stranger, []string{"o1"}); many[0].ID != "" {
		t.Fatalf("a stranger got %+v", many[0])
	}
}

func TestEnsureOrderIsIdempotent(t *testing.T) {
	ctx := context.Background()
	svc := NewService(memStore{}, logging.Discard())
	first := validOrder()
	if _, created, err := svc.EnsureOrder(ctx, first); err != nil || !created {
		t.Fatalf("first: %v %v", created, err)
	}
	again := first
	again.Number = "PL-00000000"
	got, created, err := svc.EnsureOrder(ctx, again)
	if err != nil || created || got.Number != first.Number {
		t.Fatalf("second: %v %v %+v", created, err, got)
	}
	clash := validOrder()
	clash.ID = "o2"
	if _, _, err := svc.EnsureOrder(ctx, clash); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("a taken number with a new id: %v", err)
	}
	bad := validOrder()
	bad.Status = ""
	if _, _, err := svc.EnsureOrder(ctx, bad); apperr.CodeOf(err) != apperr.InvalidInput {
		t.Fatalf("invalid order: %v", err)
	}
}
