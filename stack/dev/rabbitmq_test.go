package dev_test

import (
	"context"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/rabbitmq"
	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/customer/account"
	customer "github.com/platterhq/platter/subgraphs/customer/service"
	"github.com/platterhq/platter/subgraphs/product/catalog"
	product "github.com/platterhq/platter/subgraphs/product/service"
	vendor "github.com/platterhq/platter/subgraphs/vendorsvc/service"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// Services mode: product on PostgreSQL publishes through its outbox to the
// real RabbitMQ; customer, with its own broker connection, keeps its
// replica. A redelivered copy of an event has no second effect.
func TestProductEventsReachCustomerOverRabbitMQ(t *testing.T) {
	url := testenv.RabbitMQ(t)
	prefix := testenv.Name("svc") + "."
	t.Cleanup(func() { deleteTopology(t, url, prefix) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	keys := testenv.Keys(t)

	prod, err := product.Open(ctx, config.Product{Auth: keys.Verifier(), SQL: config.SQL{URL: testenv.Postgres(t)}}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	prodBus, err := rabbitmq.New(ctx, url, rabbitmq.WithPrefix(prefix), rabbitmq.WithLogger(logging.Discard()))
	if err != nil {
		t.Fatal(err)
	}
	uri, db := testenv.Mongo(t)
	cust, err := customer.Open(ctx, config.Customer{Auth: keys.Issuer(), Mongo: config.Mongo{URI: uri, Database: db}}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	custBus, err := rabbitmq.New(ctx, url, rabbitmq.WithPrefix(prefix), rabbitmq.WithLogger(logging.Discard()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); prod.Close(); cust.Close(); prodBus.Close(); custBus.Close() })
	if err := cust.Start(ctx, custBus); err != nil {
		t.Fatal(err)
	}
	if err := prod.Start(ctx, prodBus); err != nil {
		t.Fatal(err)
	}

	if err := prod.Catalog.SeedVendor(ctx, catalog.Vendor{ID: "v1", Name: "V1", Status: catalog.VendorApproved}); err != nil {
		t.Fatal(err)
	}
	p, err := prod.Catalog.Create(ctx, "v1", catalog.NewProduct{Title: "Dal", Price: catalog.Money{Amount: 900, Currency: "EUR"}, Available: true})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		known, err := cust.Accounts.ProductStates(ctx, []string{p.ID})
		return err == nil && known[p.ID].Version == 1 && known[p.ID].Available
	})

	// A newer state, then a redelivered copy of the first event: the replica
	// keeps the newer one.
	deleted, _ := events.New(ctx, "product", events.ProductDeleted, p.ID, events.ProductData{ProductID: p.ID, VendorID: "v1", Deleted: true, Version: 2})
	stale, _ := events.New(ctx, "product", events.ProductCreated, p.ID, events.ProductData{ProductID: p.ID, VendorID: "v1", Available: true, Version: 1})
	if err := prodBus.Publish(ctx, deleted, stale, stale); err != nil {
		t.Fatal(err)
	}
	// The marker shares the subject of the events before it, so it is
	// handled after them (one subject, one lane, in order).
	marker, _ := events.New(ctx, "product", events.ProductCreated, p.ID, events.ProductData{ProductID: "marker", VendorID: "v1", Available: true, Version: 1})
	if err := prodBus.Publish(ctx, marker); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		known, err := cust.Accounts.ProductStates(ctx, []string{"marker"})
		return err == nil && known["marker"].Version == 1
	})
	known, err := cust.Accounts.ProductStates(ctx, []string{p.ID})
	if err != nil || !known[p.ID].Deleted || known[p.ID].Version != 2 {
		t.Fatalf("a stale redelivery changed the replica: %+v %v", known[p.ID], err)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// deleteTopology removes the queues and exchanges a prefixed bus declared.
func deleteTopology(t *testing.T, url, prefix string) {
	var queues []string
	for _, sub := range []string{"customer", "product", "vendor"} {
		queues = append(queues, prefix+sub+".events", prefix+sub+".events.dlq")
	}
	exchanges := []string{prefix + "platter.events", prefix + "platter.events.dlx"}
	if err := rabbitmq.DeleteNames(url, queues, exchanges); err != nil {
		t.Errorf("clean up: %v", err)
	}
}

// Services mode: a vendor renamed in the vendor subgraph (embedded Mongo
// server) reaches the product subgraph (MariaDB) through the real
// RabbitMQ: product search finds the vendor's dishes by the new name, and
// a suspension makes them unavailable.
func TestVendorRenameReachesProductOverRabbitMQ(t *testing.T) {
	url := testenv.RabbitMQ(t)
	prefix := testenv.Name("svc") + "."
	t.Cleanup(func() { deleteTopology(t, url, prefix) })
	ctx, cancel := context.WithCancel(context.Background())
	keys := testenv.Keys(t)

	uri, db := testenv.Mongo(t)
	vend, err := vendor.Open(ctx, config.Vendor{Auth: keys.Issuer(), Mongo: config.Mongo{URI: uri, Database: db}, RedisURL: testenv.Redis(t), CacheTTL: time.Minute}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	prod, err := product.Open(ctx, config.Product{Auth: keys.Verifier(), SQL: config.SQL{URL: testenv.MariaDB(t)}}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	productURL := testenv.Serve(t, prod) + "/graphql"
	t.Cleanup(vend.Close)
	vendBus := newBus(t, ctx, url, prefix)
	prodBus := newBus(t, ctx, url, prefix)
	t.Cleanup(cancel) // runs first: relays and handlers stop before the services close
	if err := vend.Start(ctx, vendBus); err != nil {
		t.Fatal(err)
	}
	if err := prod.Start(ctx, prodBus); err != nil {
		t.Fatal(err)
	}

	v, tokens, err := vend.Vendors.Apply(ctx, vendorprofile.Application{Name: "Curry House", About: "Curries from Kerala.", Email: "curry@example.com", Password: "long enough"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vend.Vendors.Approve(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	owner := gqltest.Client{URL: productURL, Token: tokens.AccessToken}
	var created struct {
		CreateProduct struct{ Product struct{ ID string } }
	}
	owner.MustData(t, `mutation { createProduct(input: {title: "Fish Moilee", price: {amount: 1400, currency: "EUR"}}) { product { id } } }`, nil, &created)
	search := func(words string) (ids []string, available bool) {
		var out struct {
			Products struct {
				Edges []struct {
					Node struct {
						ID        string
						Available bool
					}
				}
			}
		}
		gqltest.Client{URL: productURL}.MustData(t, `query($s: String!) { products(filter: {search: $s}) { edges { node { id available } } } }`, map[string]any{"s": words}, &out)
		for _, e := range out.Products.Edges {
			ids = append(ids, e.Node.ID)
			available = e.Node.Available
		}
		return ids, available
	}
	waitFor(t, func() bool { _, ok := search("curry house"); return ok })

	name := "Kerala Kitchen"
	if _, err := vend.Vendors.UpdateProfile(ctx, auth.Identity{Subject: v.ID, Roles: []auth.Role{auth.RoleVendor}}, vendorprofile.ProfileChange{Name: &name}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		ids, _ := search("kerala kitchen")
		return len(ids) == 1 && ids[0] == created.CreateProduct.Product.ID
	})
	if _, err := vend.Vendors.Suspend(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { ids, ok := search("kerala kitchen"); return len(ids) == 1 && !ok })
}

// Services mode: shopping's order placed event, delivered twice through
// the real RabbitMQ, takes the ordered dishes out of the customer's cart
// once.
func TestOrderPlacedEmptiesTheCartOnceOverRabbitMQ(t *testing.T) {
	url := testenv.RabbitMQ(t)
	prefix := testenv.Name("svc") + "."
	t.Cleanup(func() { deleteTopology(t, url, prefix) })
	ctx, cancel := context.WithCancel(context.Background())
	keys := testenv.Keys(t)
	uri, db := testenv.Mongo(t)
	cust, err := customer.Open(ctx, config.Customer{Auth: keys.Issuer(), Mongo: config.Mongo{URI: uri, Database: db}}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cust.Close)
	custBus := newBus(t, ctx, url, prefix)
	others := newBus(t, ctx, url, prefix) // stands in for product and shopping
	t.Cleanup(cancel)
	if err := cust.Start(ctx, custBus); err != nil {
		t.Fatal(err)
	}

	for _, id := range []string{"dish-1", "dish-2"} {
		e, _ := events.New(ctx, "product", events.ProductCreated, id, events.ProductData{ProductID: id, VendorID: "v1", Title: id, Available: true, Version: 1})
		if err := others.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool {
		known, err := cust.Accounts.ProductStates(ctx, []string{"dish-1", "dish-2"})
		return err == nil && len(known) == 2
	})
	c, _, err := cust.Accounts.SignUp(ctx, account.SignUp{Name: "Grace", Email: "grace@example.com", Password: "long enough"})
	if err != nil {
		t.Fatal(err)
	}
	caller := auth.Identity{Subject: c.ID, Roles: []auth.Role{auth.RoleCustomer}}
	if _, err := cust.Accounts.SetCartItem(ctx, caller, "dish-1", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := cust.Accounts.SetCartItem(ctx, caller, "dish-2", 1); err != nil {
		t.Fatal(err)
	}

	placed, _ := events.New(ctx, "shopping", events.OrderPlaced, "order-1", events.OrderData{
		OrderID: "order-1", CheckoutID: "checkout-1", CustomerID: c.ID, VendorID: "v1", Status: "PLACED", PlacedAt: time.Now(), Version: 1,
		Items: []events.OrderItem{{ProductID: "dish-1", Quantity: 2}, {ProductID: "dish-2", Quantity: 1}},
	})
	// The marker shares the order's subject, so it is handled after both
	// copies of the order event (one subject, one lane, in order).
	marker, _ := events.New(ctx, "product", events.ProductCreated, "order-1", events.ProductData{ProductID: "marker", VendorID: "v1", Available: true, Version: 1})
	if err := others.Publish(ctx, placed, placed, marker); err != nil {
		t.Fatal(err)
	}
	// Once the marker is in the replica, both copies of the order event
	// were handled.
	waitFor(t, func() bool {
		known, err := cust.Accounts.ProductStates(ctx, []string{"marker"})
		return err == nil && known["marker"].Version == 1
	})
	got, err := cust.Accounts.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Cart) != 1 || got.Cart[0].ProductID != "dish-1" || got.Cart[0].Quantity != 1 {
		t.Fatalf("cart after the order delivered twice: %+v, want dish-1 x1", got.Cart)
	}
}

func newBus(t *testing.T, ctx context.Context, url, prefix string) *rabbitmq.Bus {
	t.Helper()
	bus, err := rabbitmq.New(ctx, url, rabbitmq.WithPrefix(prefix), rabbitmq.WithLogger(logging.Discard()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bus.Close() })
	return bus
}
