package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/product/catalog"
	"github.com/platterhq/platter/subgraphs/product/service"
)

// A created product is announced exactly by the event its transaction
// wrote to the outbox, including products created before the relay started.
func TestCreatedProductsArePublished(t *testing.T) {
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
			before, err := svc.Catalog.Create(ctx, catalog.NewProduct{VendorID: "v1", Title: "Before", Available: true})
			if err != nil {
				t.Fatal(err)
			}
			svc.Start(ctx, bus)
			after, err := svc.Catalog.Create(ctx, catalog.NewProduct{VendorID: "v1", Title: "After", Available: false})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Catalog.Create(ctx, catalog.NewProduct{VendorID: "v1", Title: "after"}); err == nil {
				t.Fatal("a duplicate title was accepted")
			}
			for _, want := range []catalog.Product{before, after} {
				select {
				case e := <-got:
					d, err := events.Decode[events.ProductData](e)
					if err != nil {
						t.Fatal(err)
					}
					if e.Type != events.ProductCreated || e.Subject != want.ID || d.ProductID != want.ID || d.Title != want.Title || d.Available != want.Available || d.Version != 1 {
						t.Fatalf("event %+v %+v for %+v", e, d, want)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("no event for %s", want.Title)
				}
			}
			select {
			case e := <-got:
				t.Fatalf("an event for a refused write: %+v", e)
			case <-time.After(300 * time.Millisecond):
			}
		})
	}
}
