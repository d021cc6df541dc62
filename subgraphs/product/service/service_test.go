package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/product/catalog"
	"github.com/platterhq/platter/subgraphs/product/service"
)

// subgraph is the product subgraph on a fresh SQLite database, with a
// client per kind of caller.
type subgraph struct {
	svc              *service.Service
	dbURL            string
	vendorA, vendorB string // approved vendors' ids
	anon, a, b       gqltest.Client
	admin, customer  gqltest.Client
}

func open(t testing.TB) *subgraph {
	t.Helper()
	dbURL := testenv.SQLite(t)
	keys := testenv.Keys(t)
	svc, err := service.Open(context.Background(), config.Product{Auth: keys.Verifier(), SQL: config.SQL{URL: dbURL}}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	url := testenv.Serve(t, svc) + "/graphql"
	s := &subgraph{
		svc: svc, dbURL: dbURL, vendorA: uuid.NewString(), vendorB: uuid.NewString(),
		anon: gqltest.Client{URL: url},
	}
	for _, v := range []string{s.vendorA, s.vendorB} {
		if err := svc.Catalog.SeedVendor(context.Background(), catalog.Vendor{ID: v, Name: "Vendor " + v[:4], Status: catalog.VendorApproved}); err != nil {
			t.Fatal(err)
		}
	}
	s.a = gqltest.Client{URL: url, Token: keys.Token(s.vendorA, auth.RoleVendor)}
	s.b = gqltest.Client{URL: url, Token: keys.Token(s.vendorB, auth.RoleVendor)}
	s.admin = gqltest.Client{URL: url, Token: keys.Token(uuid.NewString(), auth.RoleCustomer, auth.RoleAdmin)}
	s.customer = gqltest.Client{URL: url, Token: keys.Token(uuid.NewString(), auth.RoleCustomer)}
	return s
}

type money struct {
	Amount   int    `json:"amount"`
	Currency string `json:"currency"`
}

type productJSON struct {
	ID              string `json:"id"`
	Title           string `json:"title"`
	Description     string `json:"description"`
	Price           money  `json:"price"`
	DiscountPercent int    `json:"discountPercent"`
	FinalPrice      money  `json:"finalPrice"`
	Image           *struct {
		ID string `json:"id"`
	} `json:"image"`
	Category *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"category"`
	Section *struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Position int    `json:"position"`
	} `json:"section"`
	Available bool `json:"available"`
	Vendor    struct {
		ID string `json:"id"`
	} `json:"vendor"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

const productFields = `id title description price { amount currency } discountPercent finalPrice { amount currency }
	image { id } category { id name } section { id name position } available vendor { id } createdAt updatedAt`

const productQuery = `query($id: ID!) { product(id: $id) { ` + productFields + ` } }`

func (s *subgraph) createCategory(t *testing.T, name string) string {
	t.Helper()
	var got struct {
		CreateCategory struct{ Category struct{ ID string } }
	}
	s.admin.MustData(t, `mutation($n: String!) { createCategory(input: {name: $n}) { category { id name } } }`, map[string]any{"n": name}, &got)
	return got.CreateCategory.Category.ID
}

func (s *subgraph) createSection(t *testing.T, c gqltest.Client, name string) string {
	t.Helper()
	var got struct {
		CreateMenuSection struct{ Section struct{ ID string } }
	}
	c.MustData(t, `mutation($n: String!) { createMenuSection(input: {name: $n}) { section { id } } }`, map[string]any{"n": name}, &got)
	return got.CreateMenuSection.Section.ID
}

const createProduct = `mutation($in: CreateProductInput!) { createProduct(input: $in) { product { ` + productFields + ` } } }`

func (s *subgraph) createProduct(t testing.TB, c gqltest.Client, in map[string]any) productJSON {
	t.Helper()
	if in["price"] == nil {
		in["price"] = map[string]any{"amount": 1000, "currency": "EUR"}
	}
	var got struct{ CreateProduct struct{ Product productJSON } }
	c.MustData(t, createProduct, map[string]any{"in": in}, &got)
	return got.CreateProduct.Product
}

func TestProductLifecycle(t *testing.T) {
	s := open(t)
	pizza := s.createCategory(t, "Pizza")
	section := s.createSection(t, s.a, "Pizze")
	image := uuid.NewString()
	p := s.createProduct(t, s.a, map[string]any{
		"title": "  Margherita ", "description": "Tomato and mozzarella", "price": map[string]any{"amount": 1100, "currency": "EUR"},
		"discountPercent": 15, "imageId": image, "categoryId": pizza, "sectionId": section,
	})
	if p.Title != "Margherita" || p.Price != (money{1100, "EUR"}) || p.FinalPrice != (money{935, "EUR"}) || p.DiscountPercent != 15 ||
		p.Image == nil || p.Image.ID != image || p.Category == nil || p.Category.Name != "Pizza" || p.Section == nil || p.Section.Name != "Pizze" ||
		!p.Available || p.Vendor.ID != s.vendorA || !strings.HasSuffix(p.CreatedAt, "Z") {
		t.Fatalf("created %+v", p)
	}

	var read struct{ Product *productJSON }
	s.anon.MustData(t, productQuery, map[string]any{"id": strings.ToUpper(p.ID)}, &read)
	if read.Product == nil || read.Product.ID != p.ID || read.Product.Section.Name != "Pizze" {
		t.Fatalf("read %+v", read.Product)
	}

	// A partial update changes what is given; null clears the image and
	// the category.
	const update = `mutation($id: ID!, $in: UpdateProductInput!) { updateProduct(id: $id, input: $in) { product { ` + productFields + ` } } }`
	var upd struct{ UpdateProduct struct{ Product productJSON } }
	s.a.MustData(t, update, map[string]any{"id": p.ID, "in": map[string]any{"price": map[string]any{"amount": 900, "currency": "EUR"}, "imageId": nil, "categoryId": nil}}, &upd)
	if u := upd.UpdateProduct.Product; u.Price.Amount != 900 || u.FinalPrice.Amount != 765 || u.Image != nil || u.Category != nil ||
		u.Section == nil || u.Title != "Margherita" || u.DiscountPercent != 15 {
		t.Fatalf("updated %+v", u)
	}

	// Only the owning vendor may change it.
	s.b.Do(t, update, map[string]any{"id": p.ID, "in": map[string]any{"title": "Mine"}}).ExpectCode(t, "FORBIDDEN", "")
	s.customer.Do(t, update, map[string]any{"id": p.ID, "in": map[string]any{"title": "Mine"}}).ExpectCode(t, "FORBIDDEN", "")
	s.anon.Do(t, update, map[string]any{"id": p.ID, "in": map[string]any{"title": "Mine"}}).ExpectCode(t, "UNAUTHENTICATED", "")
	s.a.Do(t, update, map[string]any{"id": uuid.NewString(), "in": map[string]any{"title": "Mine"}}).ExpectCode(t, "NOT_FOUND", "")
	s.b.Do(t, `mutation($id: ID!) { deleteProduct(id: $id) { product { id } } }`, map[string]any{"id": p.ID}).ExpectCode(t, "FORBIDDEN", "")

	var avail struct{ SetProductAvailability struct{ Product productJSON } }
	s.a.MustData(t, `mutation($id: ID!) { setProductAvailability(id: $id, available: false) { product { `+productFields+` } } }`, map[string]any{"id": p.ID}, &avail)
	if avail.SetProductAvailability.Product.Available {
		t.Fatal("still available")
	}

	var del struct{ DeleteProduct struct{ Product productJSON } }
	s.a.MustData(t, `mutation($id: ID!) { deleteProduct(id: $id) { product { id title } } }`, map[string]any{"id": p.ID}, &del)
	if del.DeleteProduct.Product.ID != p.ID {
		t.Fatalf("deleted %+v", del)
	}
	s.anon.MustData(t, productQuery, map[string]any{"id": p.ID}, &read)
	if read.Product != nil {
		t.Fatalf("a deleted product is shown: %+v", read.Product)
	}
}

func TestValidation(t *testing.T) {
	s := open(t)
	other := s.createSection(t, s.b, "Theirs")
	cases := []struct {
		in    map[string]any
		field string
	}{
		{map[string]any{"title": " "}, "input.title"},
		{map[string]any{"title": strings.Repeat("x", 101)}, "input.title"},
		{map[string]any{"title": "A", "description": strings.Repeat("x", 1001)}, "input.description"},
		{map[string]any{"title": "A", "price": map[string]any{"amount": 0, "currency": "EUR"}}, "input.price.amount"},
		{map[string]any{"title": "A", "price": map[string]any{"amount": -1, "currency": "EUR"}}, "input.price.amount"},
		{map[string]any{"title": "A", "price": map[string]any{"amount": 2_000_000_000, "currency": "EUR"}}, "input.price.amount"},
		{map[string]any{"title": "A", "price": map[string]any{"amount": 100, "currency": "GBP"}}, "input.price.currency"},
		{map[string]any{"title": "A", "discountPercent": 91}, "input.discountPercent"},
		{map[string]any{"title": "A", "imageId": "not-an-id"}, "input.imageId"},
		{map[string]any{"title": "A", "categoryId": uuid.NewString()}, "input.categoryId"},
		{map[string]any{"title": "A", "sectionId": other}, "input.sectionId"},
	}
	for _, c := range cases {
		if c.in["price"] == nil {
			c.in["price"] = map[string]any{"amount": 100, "currency": "EUR"}
		}
		s.a.Do(t, createProduct, map[string]any{"in": c.in}).ExpectCode(t, "INVALID_INPUT", c.field)
	}
	p := s.createProduct(t, s.a, map[string]any{"title": "Dal"})
	s.a.Do(t, createProduct, map[string]any{"in": map[string]any{"title": "DAL", "price": map[string]any{"amount": 100, "currency": "EUR"}}}).
		ExpectCode(t, "CONFLICT", "input.title")
	const update = `mutation($id: ID!, $in: UpdateProductInput!) { updateProduct(id: $id, input: $in) { product { id } } }`
	s.a.Do(t, update, map[string]any{"id": p.ID, "in": map[string]any{"title": nil}}).ExpectCode(t, "INVALID_INPUT", "input.title")
	s.a.Do(t, update, map[string]any{"id": p.ID, "in": map[string]any{"price": nil}}).ExpectCode(t, "INVALID_INPUT", "input.price")
	s.a.Do(t, update, map[string]any{"id": "nope", "in": map[string]any{}}).ExpectCode(t, "INVALID_INPUT", "id")
	// Nothing privileged can be set through the input.
	s.a.Do(t, createProduct, map[string]any{"in": map[string]any{"title": "B", "vendorId": s.vendorB, "price": map[string]any{"amount": 100, "currency": "EUR"}}}).
		ExpectCode(t, "GRAPHQL_VALIDATION_FAILED", "")
	s.anon.Do(t, productQuery, map[string]any{"id": "not-an-id"}).ExpectCode(t, "INVALID_INPUT", "id")
	s.anon.Do(t, `{ product(id: `, nil).ExpectCode(t, "GRAPHQL_PARSE_FAILED", "")
	s.a.Do(t, `mutation { createCategory(input: {name: "X"}) { category { id } } }`, nil).ExpectCode(t, "FORBIDDEN", "")
	s.admin.Do(t, `mutation { createMenuSection(input: {name: "X"}) { section { id } } }`, nil).ExpectCode(t, "FORBIDDEN", "")
	s.a.Do(t, `mutation { createMenuSection(input: {name: "X", position: -1}) { section { id } } }`, nil).ExpectCode(t, "INVALID_INPUT", "input.position")
}

type connection struct {
	Edges []struct {
		Cursor string
		Node   productJSON
	}
	PageInfo struct {
		HasNextPage bool
		EndCursor   *string
	}
}

const productsQuery = `query($f: ProductFilter, $first: Int, $after: String) {
	products(filter: $f, first: $first, after: $after) { edges { cursor node { id title available } } pageInfo { hasNextPage endCursor } } }`

func TestProductsPagination(t *testing.T) {
	s := open(t)
	want := map[string]bool{}
	for i := range 25 {
		p := s.createProduct(t, s.a, map[string]any{"title": fmt.Sprintf("Dish %02d", i)})
		want[p.ID] = true
	}
	s.createProduct(t, s.b, map[string]any{"title": "Elsewhere"})

	var page struct{ Products connection }
	f := map[string]any{"vendorId": s.vendorA}
	s.anon.MustData(t, productsQuery, map[string]any{"f": f}, &page)
	if len(page.Products.Edges) != 20 || !page.Products.PageInfo.HasNextPage {
		t.Fatalf("first page: %d edges, next %v", len(page.Products.Edges), page.Products.PageInfo.HasNextPage)
	}
	seen := map[string]bool{}
	for _, e := range page.Products.Edges {
		seen[e.Node.ID] = true
	}
	s.anon.MustData(t, productsQuery, map[string]any{"f": f, "after": page.Products.PageInfo.EndCursor, "first": 100}, &page)
	if len(page.Products.Edges) != 5 || page.Products.PageInfo.HasNextPage {
		t.Fatalf("second page: %d edges, next %v", len(page.Products.Edges), page.Products.PageInfo.HasNextPage)
	}
	for _, e := range page.Products.Edges {
		if seen[e.Node.ID] {
			t.Fatalf("%s on both pages", e.Node.Title)
		}
		seen[e.Node.ID] = true
	}
	if len(seen) != len(want) {
		t.Fatalf("saw %d products, want %d", len(seen), len(want))
	}
	s.anon.Do(t, productsQuery, map[string]any{"first": 101}).ExpectCode(t, "INVALID_INPUT", "first")
	s.anon.Do(t, productsQuery, map[string]any{"after": "bogus"}).ExpectCode(t, "INVALID_INPUT", "after")
	s.anon.Do(t, productsQuery, map[string]any{"f": map[string]any{"maxPrice": -1}}).ExpectCode(t, "INVALID_INPUT", "filter.maxPrice")

	s.anon.MustData(t, productsQuery, map[string]any{"f": map[string]any{"search": "elsewhere"}}, &page)
	if len(page.Products.Edges) != 1 || page.Products.Edges[0].Node.Title != "Elsewhere" {
		t.Fatalf("search: %+v", page.Products.Edges)
	}
}

func TestEntities(t *testing.T) {
	s := open(t)
	a := s.createProduct(t, s.a, map[string]any{"title": "A"})
	b := s.createProduct(t, s.a, map[string]any{"title": "B", "available": false})
	reps := []map[string]any{
		{"__typename": "Product", "id": b.ID},
		{"__typename": "Product", "id": uuid.NewString()},
		{"__typename": "Product", "id": "garbage"},
		{"__typename": "Product", "id": a.ID},
	}
	var got struct {
		Entities []*productJSON `json:"_entities"`
	}
	s.anon.MustData(t, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id title available finalPrice { amount } } } }`,
		map[string]any{"r": reps}, &got)
	if len(got.Entities) != 4 || got.Entities[0] == nil || got.Entities[0].ID != b.ID || got.Entities[0].Available ||
		got.Entities[1] != nil || got.Entities[2] != nil ||
		got.Entities[3] == nil || got.Entities[3].ID != a.ID || got.Entities[3].Title != "A" || got.Entities[3].FinalPrice.Amount != 1000 {
		raw, _ := json.Marshal(got.Entities)
		t.Fatalf("entities %s", raw)
	}
}

func TestVendorEntities(t *testing.T) {
	s := open(t)
	mains := s.createSection(t, s.a, "Mains")
	drinks := s.createSection(t, s.a, "Drinks")
	curry := s.createProduct(t, s.a, map[string]any{"title": "Curry", "sectionId": mains})
	lassi := s.createProduct(t, s.a, map[string]any{"title": "Lassi", "sectionId": drinks})
	s.createProduct(t, s.a, map[string]any{"title": "Unlisted"})
	beer := s.createProduct(t, s.b, map[string]any{"title": "Beer", "sectionId": s.createSection(t, s.b, "Drinks")})

	type menuSection struct {
		Name     string
		Products []struct{ ID string }
	}
	var got struct {
		Entities []struct {
			ID       string
			Menu     []menuSection
			Products connection
			All      connection
		} `json:"_entities"`
	}
	unknown := uuid.NewString()
	// The vendors' first pages are read together, once per page size.
	s.anon.MustData(t, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Vendor {
		id menu { name products { id } } products(first: 2) { edges { node { id } } pageInfo { hasNextPage endCursor } }
		all: products(first: 10) { edges { node { id } } pageInfo { hasNextPage } } } } }`,
		map[string]any{"r": []map[string]any{
			{"__typename": "Vendor", "id": s.vendorB}, {"__typename": "Vendor", "id": unknown}, {"__typename": "Vendor", "id": s.vendorA},
		}}, &got)
	if len(got.Entities) != 3 {
		t.Fatalf("%d entities", len(got.Entities))
	}
	b, none, a := got.Entities[0], got.Entities[1], got.Entities[2]
	if b.ID != s.vendorB || len(b.Menu) != 1 || len(b.Menu[0].Products) != 1 || b.Menu[0].Products[0].ID != beer.ID {
		t.Fatalf("vendor b %+v", b)
	}
	if none.ID != unknown || len(none.Menu) != 0 || len(none.Products.Edges) != 0 {
		t.Fatalf("unknown vendor %+v", none)
	}
	if len(a.Menu) != 2 || a.Menu[0].Name != "Mains" || a.Menu[1].Name != "Drinks" ||
		len(a.Menu[0].Products) != 1 || a.Menu[0].Products[0].ID != curry.ID || a.Menu[1].Products[0].ID != lassi.ID {
		t.Fatalf("vendor a menu %+v", a.Menu)
	}
	if len(a.Products.Edges) != 2 || !a.Products.PageInfo.HasNextPage {
		t.Fatalf("vendor a products %+v", a.Products)
	}
	if len(a.All.Edges) != 3 || a.All.PageInfo.HasNextPage || len(b.All.Edges) != 1 || len(none.All.Edges) != 0 {
		t.Fatalf("all products: a %+v, b %+v, unknown %+v", a.All, b.All, none.All)
	}
	// The next page, after the batched first one, is the rest of a's list.
	var next struct {
		Entities []struct{ Products connection } `json:"_entities"`
	}
	s.anon.MustData(t, `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Vendor {
		products(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage } } } } }`,
		map[string]any{"r": []map[string]any{{"__typename": "Vendor", "id": s.vendorA}}, "after": a.Products.PageInfo.EndCursor}, &next)
	rest := next.Entities[0].Products
	if len(rest.Edges) != 1 || rest.PageInfo.HasNextPage || rest.Edges[0].Node.ID != a.All.Edges[2].Node.ID {
		t.Fatalf("second page %+v, want the third of %+v", rest, a.All)
	}

	// A product's section lists its products too.
	var read struct {
		Product struct {
			Section struct {
				Name     string
				Products []struct{ ID string }
			}
		}
	}
	s.anon.MustData(t, `query($id: ID!) { product(id: $id) { section { name products { id } } } }`, map[string]any{"id": curry.ID}, &read)
	if read.Product.Section.Name != "Mains" || len(read.Product.Section.Products) != 1 {
		t.Fatalf("section %+v", read.Product.Section)
	}
}

func TestServiceSDL(t *testing.T) {
	s := open(t)
	var got struct {
		Service struct{ SDL string } `json:"_service"`
	}
	s.anon.MustData(t, `{ _service { sdl } }`, nil, &got)
	for _, want := range []string{`type Product @key(fields: "id")`, `type Vendor @key(fields: "id")`, "product(id: ID!): Product",
		"directive @auth", `type Asset @key(fields: "id", resolvable: false)`, "type PageInfo @shareable", "type Money @shareable"} {
		if !strings.Contains(got.Service.SDL, want) {
			t.Errorf("sdl lacks %q", want)
		}
	}
}

func TestCategoriesQuery(t *testing.T) {
	s := open(t)
	s.createCategory(t, "Pizza")
	s.createCategory(t, "Drinks")
	s.admin.Do(t, `mutation { createCategory(input: {name: " pizza "}) { category { id } } }`, nil).ExpectCode(t, "CONFLICT", "input.name")
	var got struct{ Categories []struct{ Name string } }
	s.anon.MustData(t, `{ categories { id name } }`, nil, &got)
	if len(got.Categories) != 2 || got.Categories[0].Name != "Drinks" || got.Categories[1].Name != "Pizza" {
		t.Fatalf("categories %+v", got.Categories)
	}
}

func TestSeedIsIdempotent(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	for range 2 {
		if err := service.Seed(ctx, s.svc, logging.Discard()); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sqldb.Open(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var dishes int64
	for _, v := range demo.Vendors {
		for _, sec := range v.Menu {
			dishes += int64(len(sec.Dishes))
		}
	}
	n, err := db.NewSelect().Table("products").Count(ctx)
	if err != nil || n != dishes {
		t.Fatalf("%d demo products after seeding twice, want %d (%v)", n, dishes, err)
	}
	var got struct{ Product *productJSON }
	s.anon.MustData(t, productQuery, map[string]any{"id": "01966b2e-0000-7000-8000-0000000000b4"}, &got)
	p := got.Product
	if p == nil || p.Title != "Quattro Formaggi" || p.FinalPrice.Amount != 990 || !p.Available || p.Category == nil || p.Category.Name != "Pizza" ||
		p.Section == nil || p.Section.Name != "Pizze" || p.Image == nil || p.Image.ID != demo.DishImageAssetID("01966b2e-0000-7000-8000-0000000000b4") {
		t.Fatalf("demo product %+v", p)
	}
	var cats struct{ Categories []struct{ Name string } }
	s.anon.MustData(t, `{ categories { name } }`, nil, &cats)
	if len(cats.Categories) != 6 {
		t.Fatalf("categories %+v", cats.Categories)
	}
}
