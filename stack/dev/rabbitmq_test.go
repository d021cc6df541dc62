package dev_test

import (
	"context"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/rabbitmq"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
	customer "github.com/platterhq/platter/subgraphs/customer/service"
	"github.com/platterhq/platter/subgraphs/product/catalog"
	product "github.com/platterhq/platter/subgraphs/product/service"
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
	marker, _ := events.New(ctx, "product", events.ProductCreated, "marker", events.ProductData{ProductID: "marker", VendorID: "v1", Available: true, Version: 1})
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
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Errorf("clean up: %v", err)
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Errorf("clean up: %v", err)
		return
	}
	for _, sub := range []string{"customer", "product"} {
		for _, q := range []string{prefix + sub + ".events", prefix + sub + ".events.dlq"} {
			if _, err := ch.QueueDelete(q, false, false, false); err != nil {
				t.Errorf("delete queue %s: %v", q, err)
			}
		}
	}
	for _, x := range []string{prefix + "platter.events", prefix + "platter.events.dlx"} {
		if err := ch.ExchangeDelete(x, false, false); err != nil {
			t.Errorf("delete exchange %s: %v", x, err)
		}
	}
}
