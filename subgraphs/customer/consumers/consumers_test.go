package consumers_test

import (
	"context"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/customer/consumers"
	"github.com/platterhq/platter/subgraphs/customer/mongostore"
)

func productEvent(t *testing.T, typ string, d events.ProductData) events.Envelope {
	t.Helper()
	e, err := events.New(context.Background(), "product", typ, d.ProductID, d)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The replica converges to the newest version whatever the delivery order,
// and a redelivered event changes nothing.
func TestProductReplicaFromEvents(t *testing.T) {
	ctx := context.Background()
	uri, dbName := testenv.Mongo(t)
	client, err := mongodb.Connect(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()) })
	replica := mongostore.NewProducts(client.Database(dbName))

	bus := events.NewMemoryBus(logging.Discard())
	t.Cleanup(func() { bus.Close() })
	subCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	if err := consumers.Subscribe(subCtx, bus, replica); err != nil {
		t.Fatal(err)
	}

	created := productEvent(t, events.ProductCreated, events.ProductData{ProductID: "p1", VendorID: "v1", Available: true, Version: 1})
	unavailable := productEvent(t, events.ProductUpdated, events.ProductData{ProductID: "p1", VendorID: "v1", Available: false, Version: 3})
	stale := productEvent(t, events.ProductUpdated, events.ProductData{ProductID: "p1", VendorID: "v1", Available: true, Version: 2})
	other := productEvent(t, events.ProductCreated, events.ProductData{ProductID: "p2", VendorID: "v1", Available: true, Version: 1})
	deleted := productEvent(t, events.ProductDeleted, events.ProductData{ProductID: "p2", VendorID: "v1", Available: true, Deleted: true, Version: 2})
	if err := bus.Publish(ctx, created, unavailable, unavailable, stale, created, other, deleted, other); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := replica.ProductStates(ctx, []string{"p1", "p2", "p3"})
		if err != nil {
			t.Fatal(err)
		}
		p1, p2 := got["p1"], got["p2"]
		if p1.Version == 3 && p2.Version == 2 {
			if p1.Available || p1.Deleted || !p2.Deleted || p2.Available {
				t.Fatalf("replica: %+v", got)
			}
			if _, ok := got["p3"]; ok {
				t.Fatal("an unknown product appeared")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica did not converge: %+v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if dl := bus.DeadLetters(consumers.Subscriber); len(dl) != 0 {
		t.Fatalf("dead letters: %+v", dl)
	}
}
