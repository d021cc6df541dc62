package consumers_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/customer/account"
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
	mux := consumers.Mux(replica, &fakeCustomers{})
	if err := bus.Subscribe(subCtx, consumers.Subscriber, mux.Handle, mux.Types()...); err != nil {
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

// fakeCustomers records what the handlers ask of the customers.
type fakeCustomers struct {
	mu       sync.Mutex
	removed  map[string][]account.CartItem // by event id
	located  []string                      // customer/address/text
	detached []string
}

func (f *fakeCustomers) RemoveOrdered(_ context.Context, eventID, customerID string, ordered []account.CartItem) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.removed == nil {
		f.removed = map[string][]account.CartItem{}
	}
	f.removed[eventID+"/"+customerID] = ordered
	return nil
}

func (f *fakeCustomers) SetGeocodedLocation(_ context.Context, customerID, addressID, text string, at account.GeoPoint) (bool, error) {
	if at.Lat > 90 {
		return false, apperr.Invalid("location.lat", "must be between -90 and 90")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.located = append(f.located, customerID+"/"+addressID+"/"+text)
	return true, nil
}

func (f *fakeCustomers) DetachAvatar(_ context.Context, assetID string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.detached = append(f.detached, assetID)
	return 1, nil
}

func envelope(t *testing.T, source, typ, subject string, data any) events.Envelope {
	t.Helper()
	e, err := events.New(context.Background(), source, typ, subject, data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The handlers pass on what concerns the customer subgraph and nothing else.
func TestHandlersTranslateEvents(t *testing.T) {
	ctx := context.Background()
	f := &fakeCustomers{}
	mux := consumers.Mux(nil, f)

	order := envelope(t, "shopping", events.OrderPlaced, "o1", events.OrderData{OrderID: "o1", CustomerID: "c1", Items: []events.OrderItem{
		{ProductID: "p1", Quantity: 2}, {ProductID: "p2", Quantity: 1},
	}})
	if err := mux.Handle(ctx, order); err != nil {
		t.Fatal(err)
	}
	if got := f.removed[order.ID+"/c1"]; len(got) != 2 || got[0].ProductID != "p1" || got[0].Quantity != 2 || got[1].ProductID != "p2" {
		t.Fatalf("removed %+v", f.removed)
	}

	at := &events.GeoPoint{Lat: 45.5, Lng: 9.2}
	answers := []events.AddressGeocodedData{
		{Requester: "customer", SubjectID: "c1", AddressID: "a1", Address: "text", Found: true, Location: at},
		{Requester: "vendor", SubjectID: "v1", AddressID: "a1", Address: "text", Found: true, Location: at},
		{Requester: "customer", SubjectID: "c1", AddressID: "a2", Address: "text", Found: false, Reason: "NOT_FOUND"},
		{Requester: "customer", SubjectID: "c1", Address: "text", Found: true, Location: at},
	}
	for _, d := range answers {
		if err := mux.Handle(ctx, envelope(t, "cloudmanager", events.AddressGeocoded, d.SubjectID, d)); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.located) != 1 || f.located[0] != "c1/a1/text" {
		t.Fatalf("located %v", f.located)
	}
	offGlobe := events.AddressGeocodedData{Requester: "customer", SubjectID: "c1", AddressID: "a1", Address: "text", Found: true, Location: &events.GeoPoint{Lat: 91}}
	if err := mux.Handle(ctx, envelope(t, "cloudmanager", events.AddressGeocoded, "c1", offGlobe)); !errors.Is(err, events.ErrPermanent) {
		t.Fatalf("a location off the globe: %v, want a permanent failure", err)
	}

	if err := mux.Handle(ctx, envelope(t, "cloudmanager", events.AssetDeleted, "as1", events.AssetData{AssetID: "as1", OwnerID: "c1", Purpose: "AVATAR"})); err != nil {
		t.Fatal(err)
	}
	if len(f.detached) != 1 || f.detached[0] != "as1" {
		t.Fatalf("detached %v", f.detached)
	}
	bad := events.Envelope{ID: order.ID, Type: events.OrderPlaced, Source: "shopping", Time: order.Time, Subject: "o1", CorrelationID: "x", Data: []byte(`"not an order"`)}
	if err := mux.Handle(ctx, bad); !errors.Is(err, events.ErrPermanent) {
		t.Fatalf("undecodable order: %v, want a permanent failure", err)
	}
}
