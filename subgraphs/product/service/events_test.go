package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/product/catalog"
	"github.com/platterhq/platter/subgraphs/product/consumers"
	"github.com/platterhq/platter/subgraphs/product/service"
)

// started is the subgraph running on a memory bus, with every product event
// it publishes collected.
type started struct {
	*subgraph
	bus *events.MemoryBus
	got chan events.Envelope
}

func start(t *testing.T) *started {
	t.Helper()
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	bus := events.NewMemoryBus(logging.Discard())
	t.Cleanup(func() { cancel(); s.svc.Close(); bus.Close() })
	got := make(chan events.Envelope, 100)
	if err := bus.Subscribe(ctx, "test", func(_ context.Context, e events.Envelope) error { got <- e; return nil }, "product.#"); err != nil {
		t.Fatal(err)
	}
	if err := s.svc.Start(ctx, bus); err != nil {
		t.Fatal(err)
	}
	return &started{subgraph: s, bus: bus, got: got}
}

// next returns the next product event, failing after a deadline.
func (s *started) next(t *testing.T) (events.Envelope, events.ProductData) {
	t.Helper()
	select {
	case e := <-s.got:
		d, err := events.Decode[events.ProductData](e)
		if err != nil {
			t.Fatal(err)
		}
		return e, d
	case <-time.After(10 * time.Second):
		t.Fatal("no product event")
	}
	panic("unreachable")
}

func (s *started) none(t *testing.T) {
	t.Helper()
	select {
	case e := <-s.got:
		t.Fatalf("an unexpected event: %+v", e)
	case <-time.After(200 * time.Millisecond):
	}
}

func (s *started) publish(t *testing.T, source, typ, subject string, data any) events.Envelope {
	t.Helper()
	e, err := events.New(context.Background(), source, typ, subject, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.bus.Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

// Each mutation publishes the product as it now is, with a version one
// higher than the last.
func TestMutationsArePublished(t *testing.T) {
	s := start(t)
	image := uuid.NewString()
	p := s.createProduct(t, s.a, map[string]any{"title": "Dal", "price": map[string]any{"amount": 900, "currency": "EUR"}, "discountPercent": 10, "imageId": image})
	s.a.MustData(t, `mutation($id: ID!) { updateProduct(id: $id, input: {price: {amount: 1000, currency: "EUR"}}) { product { id } } }`, map[string]any{"id": p.ID}, nil)
	s.a.MustData(t, `mutation($id: ID!) { setProductAvailability(id: $id, available: false) { product { id } } }`, map[string]any{"id": p.ID}, nil)
	s.a.MustData(t, `mutation($id: ID!) { deleteProduct(id: $id) { product { id } } }`, map[string]any{"id": p.ID}, nil)
	// Refused changes publish nothing.
	s.b.Do(t, `mutation($id: ID!) { setProductAvailability(id: $id, available: true) { product { id } } }`, map[string]any{"id": p.ID}).ExpectCode(t, "NOT_FOUND", "")

	want := []struct {
		typ       string
		price     int64
		available bool
		deleted   bool
	}{
		{events.ProductCreated, 900, true, false},
		{events.ProductUpdated, 1000, true, false},
		{events.ProductUpdated, 1000, false, false},
		{events.ProductDeleted, 1000, false, true},
	}
	for i, w := range want {
		e, d := s.next(t)
		if e.Type != w.typ || e.Subject != p.ID || e.Source != "product" || d.ProductID != p.ID || d.VendorID != s.vendorA ||
			d.Price != (events.Money{Amount: w.price, Currency: "EUR"}) || d.DiscountPercent != 10 || d.ImageAssetID != image ||
			d.Available != w.available || d.Deleted != w.deleted || d.Version != int64(i+1) || d.Title != "Dal" {
			t.Fatalf("event %d: %s %+v", i, e.Type, d)
		}
	}
	s.none(t)
}

// The vendors replica follows vendor events: a suspension takes the
// vendor's products off sale and republishes them, a rename is searchable,
// an approval restores the products' own flags, and old or repeated
// events change nothing.
func TestVendorEventsReachProducts(t *testing.T) {
	s := start(t)
	p := s.createProduct(t, s.a, map[string]any{"title": "Dal"})
	off := s.createProduct(t, s.a, map[string]any{"title": "Naan", "available": false})
	for range 2 {
		s.next(t)
	}

	suspended := s.publish(t, "vendor", events.VendorUpdated, s.vendorA, events.VendorData{VendorID: s.vendorA, Name: "Spice Route", Status: "SUSPENDED", Version: 2})
	for range 2 {
		e, d := s.next(t)
		if e.Type != events.ProductUpdated || d.Available || d.Version != 2 || (d.ProductID != p.ID && d.ProductID != off.ID) {
			t.Fatalf("after suspension: %s %+v", e.Type, d)
		}
	}
	// A redelivered copy and an older event are absorbed.
	if err := s.bus.Publish(context.Background(), suspended); err != nil {
		t.Fatal(err)
	}
	s.publish(t, "vendor", events.VendorRegistered, s.vendorA, events.VendorData{VendorID: s.vendorA, Name: "Old", Status: "APPROVED", Version: 1})
	s.none(t)

	var read struct{ Product productJSON }
	s.anon.MustData(t, productQuery, map[string]any{"id": p.ID}, &read)
	if read.Product.Available {
		t.Fatal("a suspended vendor's product is available")
	}
	var page struct{ Products connection }
	s.anon.MustData(t, productsQuery, map[string]any{"f": map[string]any{"search": "spice route"}}, &page)
	if len(page.Products.Edges) != 2 {
		t.Fatalf("search by the new vendor name found %d", len(page.Products.Edges))
	}
	s.anon.MustData(t, productsQuery, map[string]any{"f": map[string]any{"vendorId": s.vendorA, "available": true}}, &page)
	if len(page.Products.Edges) != 0 {
		t.Fatalf("available filter kept %d products of a suspended vendor", len(page.Products.Edges))
	}

	s.publish(t, "vendor", events.VendorUpdated, s.vendorA, events.VendorData{VendorID: s.vendorA, Name: "Spice Route", Status: "APPROVED", Version: 3})
	available := map[string]bool{}
	for range 2 {
		_, d := s.next(t)
		if d.Version != 3 {
			t.Fatalf("after approval: %+v", d)
		}
		available[d.ProductID] = d.Available
	}
	if !available[p.ID] || available[off.ID] {
		t.Fatalf("after approval: %v", available)
	}
	if dl := s.bus.DeadLetters(consumers.Subscriber); len(dl) != 0 {
		t.Fatalf("dead letters: %+v", dl)
	}
}

func TestAssetDeletionDetachesImages(t *testing.T) {
	s := start(t)
	asset := uuid.NewString()
	p := s.createProduct(t, s.a, map[string]any{"title": "Dal", "imageId": asset})
	s.next(t)
	e := s.publish(t, "cloudmanager", events.AssetDeleted, asset, events.AssetData{AssetID: asset, Purpose: "PRODUCT_IMAGE"})
	_, d := s.next(t)
	if d.ProductID != p.ID || d.ImageAssetID != "" || d.Version != 2 {
		t.Fatalf("after the asset's deletion: %+v", d)
	}
	if err := s.bus.Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	s.none(t)
	var read struct{ Product productJSON }
	s.anon.MustData(t, productQuery, map[string]any{"id": p.ID}, &read)
	if read.Product.Image != nil {
		t.Fatalf("image %+v", read.Product.Image)
	}
}

// Events written before the relay started, on PostgreSQL too, are
// published once it starts.
func TestOutboxPublishesAfterStart(t *testing.T) {
	for engine, dbURL := range map[string]string{"sqlite": testenv.SQLite(t), "postgres": testenv.Postgres(t)} {
		t.Run(engine, func(t *testing.T) {
			svc, err := service.Open(context.Background(), config.Product{Auth: testenv.Keys(t).Verifier(), SQL: config.SQL{URL: dbURL}}, logging.Discard())
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			bus := events.NewMemoryBus(logging.Discard())
			t.Cleanup(func() { cancel(); svc.Close(); bus.Close() })
			got := make(chan events.Envelope, 10)
			if err := bus.Subscribe(ctx, "test", func(_ context.Context, e events.Envelope) error { got <- e; return nil }, "product.#"); err != nil {
				t.Fatal(err)
			}
			in := catalog.NewProduct{Title: "Before", Price: catalog.Money{Amount: 100, Currency: "EUR"}, Available: true}
			before, err := svc.Catalog.Create(ctx, "v1", in)
			if err != nil {
				t.Fatal(err)
			}
			if err := svc.Start(ctx, bus); err != nil {
				t.Fatal(err)
			}
			select {
			case e := <-got:
				if e.Subject != before.ID || e.Type != events.ProductCreated {
					t.Fatalf("event %+v", e)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no event")
			}
		})
	}
}

// Vendor events arriving together are applied in batches; a poison event
// among them is dead-lettered alone and the others take effect once.
func TestVendorEventsInABurstWithAPoisonOne(t *testing.T) {
	s := start(t)
	pa := s.createProduct(t, s.a, map[string]any{"title": "Dal"})
	pb := s.createProduct(t, s.b, map[string]any{"title": "Pho"})
	for range 2 {
		s.next(t)
	}
	suspend := func(vendorID string) events.Envelope {
		e, err := events.New(context.Background(), "vendor", events.VendorUpdated, vendorID,
			events.VendorData{VendorID: vendorID, Name: "V", Status: "SUSPENDED", Version: 2})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	poison, err := events.New(context.Background(), "vendor", events.VendorUpdated, uuid.NewString(), "not a vendor")
	if err != nil {
		t.Fatal(err)
	}
	a, b := suspend(s.vendorA), suspend(s.vendorB)
	if err := s.bus.Publish(context.Background(), a, poison, b, a); err != nil {
		t.Fatal(err)
	}
	off := map[string]bool{}
	for range 2 {
		e, d := s.next(t)
		if e.Type != events.ProductUpdated || d.Available || d.Version != 2 {
			t.Fatalf("after the burst: %s %+v", e.Type, d)
		}
		off[d.ProductID] = true
	}
	if !off[pa.ID] || !off[pb.ID] {
		t.Fatalf("products taken off sale: %v, want %s and %s", off, pa.ID, pb.ID)
	}
	s.none(t)
	dl := s.bus.DeadLetters(consumers.Subscriber)
	if len(dl) != 1 || dl[0].Envelope.ID != poison.ID {
		t.Fatalf("dead letters: %+v, want the poison event alone", dl)
	}
}
