package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/product/catalog"
	"github.com/platterhq/platter/subgraphs/product/service"
)

// open starts the subgraph on a fresh SQLite database and returns it with
// a client for its GraphQL endpoint and the database URL.
func open(t *testing.T) (*service.Service, gqltest.Client, string) {
	t.Helper()
	dbURL := testenv.SQLite(t)
	cfg := config.Product{Auth: testenv.Keys(t).Verifier(), SQL: config.SQL{URL: dbURL}}
	svc, err := service.Open(context.Background(), cfg, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	return svc, gqltest.Client{URL: testenv.Serve(t, svc) + "/graphql"}, dbURL
}

type productJSON struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Available   bool   `json:"available"`
	CreatedAt   string `json:"createdAt"`
}

const productQuery = `query($id: ID!) { product(id: $id) { id title description available createdAt } }`

func TestProductQuery(t *testing.T) {
	svc, c, _ := open(t)
	p, err := svc.Catalog.Create(context.Background(), catalog.NewProduct{VendorID: "v1", Title: "Pad Thai", Description: "Rice noodles", Available: true})
	if err != nil {
		t.Fatal(err)
	}

	var got struct{ Product *productJSON }
	c.MustData(t, productQuery, map[string]any{"id": p.ID}, &got)
	if got.Product == nil || got.Product.ID != p.ID || got.Product.Title != "Pad Thai" ||
		got.Product.Description != "Rice noodles" || !got.Product.Available || !strings.HasSuffix(got.Product.CreatedAt, "Z") {
		t.Fatalf("product %+v", got.Product)
	}

	// An id in another spelling of the same UUID finds the same product.
	c.MustData(t, productQuery, map[string]any{"id": strings.ToUpper(p.ID)}, &got)
	if got.Product == nil || got.Product.ID != p.ID {
		t.Fatalf("upper-case id: %+v", got.Product)
	}

	c.MustData(t, productQuery, map[string]any{"id": "019abc00-0000-7000-8000-00000000dead"}, &got)
	if got.Product != nil {
		t.Fatalf("unknown id gave %+v, want null", got.Product)
	}
}

func TestBadInputIsAClientError(t *testing.T) {
	_, c, _ := open(t)
	c.Do(t, productQuery, map[string]any{"id": "not-an-id"}).ExpectCode(t, "INVALID_INPUT", "id")
	c.Do(t, `{ product { id } }`, nil).ExpectCode(t, "GRAPHQL_VALIDATION_FAILED", "")
	c.Do(t, `{ product(id: "x") { nope } }`, nil).ExpectCode(t, "GRAPHQL_VALIDATION_FAILED", "")
	c.Do(t, `{ product(id: `, nil).ExpectCode(t, "GRAPHQL_PARSE_FAILED", "")
}

func TestEntities(t *testing.T) {
	svc, c, _ := open(t)
	ctx := context.Background()
	a, err := svc.Catalog.Create(ctx, catalog.NewProduct{VendorID: "v1", Title: "A", Available: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.Catalog.Create(ctx, catalog.NewProduct{VendorID: "v1", Title: "B"})
	if err != nil {
		t.Fatal(err)
	}
	reps := []map[string]any{
		{"__typename": "Product", "id": b.ID},
		{"__typename": "Product", "id": "019abc00-0000-7000-8000-00000000dead"},
		{"__typename": "Product", "id": "garbage"},
		{"__typename": "Product", "id": a.ID},
	}
	var got struct {
		Entities []*productJSON `json:"_entities"`
	}
	c.MustData(t, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id title available } } }`,
		map[string]any{"r": reps}, &got)
	if len(got.Entities) != 4 {
		t.Fatalf("got %d entities, want 4", len(got.Entities))
	}
	if got.Entities[0] == nil || got.Entities[0].ID != b.ID || got.Entities[0].Available ||
		got.Entities[1] != nil || got.Entities[2] != nil ||
		got.Entities[3] == nil || got.Entities[3].ID != a.ID || got.Entities[3].Title != "A" {
		raw, _ := json.Marshal(got.Entities)
		t.Fatalf("entities %s", raw)
	}
}

func TestServiceSDL(t *testing.T) {
	_, c, _ := open(t)
	var got struct {
		Service struct{ SDL string } `json:"_service"`
	}
	c.MustData(t, `{ _service { sdl } }`, nil, &got)
	for _, want := range []string{`type Product @key(fields: "id")`, "product(id: ID!): Product", "directive @auth"} {
		if !strings.Contains(got.Service.SDL, want) {
			t.Errorf("sdl lacks %q", want)
		}
	}
}

func TestSeedIsIdempotent(t *testing.T) {
	svc, _, dbURL := open(t)
	ctx := context.Background()
	for range 2 {
		if err := service.Seed(ctx, svc, logging.Discard()); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sqldb.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := db.NewSelect().Table("products").Where("vendor_id = ?", demo.VendorID).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("%d demo products after seeding twice, want 2", n)
	}
}
