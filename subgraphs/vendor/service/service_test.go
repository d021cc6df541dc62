package service_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/redisdb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/vendorsvc/service"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

type env struct {
	svc  *service.Service
	url  string
	keys testenv.KeyPair
}

// open serves the subgraph on a fresh database. The cache is an embedded
// Redis of its own: the demo vendors have fixed ids, so a shared server
// would hand one test another's entries. The cache's own suite runs on the
// real server.
func open(t *testing.T, redisURL string) env {
	t.Helper()
	ctx := context.Background()
	if redisURL == "" {
		r, err := redisdb.StartEmbedded()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(r.Close)
		redisURL = r.URL()
	}
	keys := testenv.Keys(t)
	uri, db := testenv.Mongo(t)
	cfg := config.Vendor{
		Auth:     keys.Issuer(),
		Mongo:    config.Mongo{URI: uri, Database: db},
		RedisURL: redisURL,
		CacheTTL: time.Minute,
	}
	svc, err := service.Open(ctx, cfg, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	return env{svc: svc, url: testenv.Serve(t, svc), keys: keys}
}

func (e env) client(roles ...auth.Role) gqltest.Client {
	c := gqltest.Client{URL: e.url + "/graphql"}
	if len(roles) > 0 {
		c.Token = e.keys.Token("caller-1", roles...)
	}
	return c
}

func seeded(t *testing.T) env {
	t.Helper()
	e := open(t, "")
	if err := service.Seed(context.Background(), e.svc, logging.Discard()); err != nil {
		t.Fatal(err)
	}
	return e
}

// pending adds a vendor that applied and was not approved yet.
func pending(t *testing.T, e env) string {
	t.Helper()
	id, err := vendorprofile.NewID()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Vendors.Ensure(context.Background(), id, vendorprofile.Profile{Name: "Waiting Room", About: "Not approved yet."}); err != nil {
		t.Fatal(err)
	}
	return id
}

type vendorData struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	About     string `json:"about"`
	Status    string `json:"status"`
	IsOpen    bool   `json:"isOpen"`
	CreatedAt string `json:"createdAt"`
}

const vendorQuery = `query($id: ID!) { vendor(id: $id) { id name about status isOpen createdAt } }`

func queryVendor(t *testing.T, c gqltest.Client, id string) *vendorData {
	t.Helper()
	var out struct{ Vendor *vendorData }
	c.MustData(t, vendorQuery, map[string]any{"id": id}, &out)
	return out.Vendor
}

func TestVendorQuery(t *testing.T) {
	e := seeded(t)
	hidden := pending(t, e)
	unknown, _ := vendorprofile.NewID()

	got := queryVendor(t, e.client(), demo.VendorID)
	if got == nil || got.Name != "Trattoria Platter" || got.Status != "APPROVED" || !got.IsOpen || len(got.About) < 3 {
		t.Fatalf("approved vendor: %+v", got)
	}
	if _, err := time.Parse(time.RFC3339, got.CreatedAt); err != nil || !strings.HasSuffix(got.CreatedAt, "Z") {
		t.Fatalf("createdAt %q is not RFC 3339 UTC", got.CreatedAt)
	}
	if got := queryVendor(t, e.client(), service.DemoGreenBowlID); got == nil || got.IsOpen {
		t.Fatalf("closed approved vendor: %+v", got)
	}
	if got := queryVendor(t, e.client(), unknown); got != nil {
		t.Fatalf("unknown vendor: %+v", got)
	}
	for name, c := range map[string]gqltest.Client{
		"anonymous": e.client(),
		"customer":  e.client(auth.RoleCustomer),
		"vendor":    e.client(auth.RoleVendor),
	} {
		if got := queryVendor(t, c, hidden); got != nil {
			t.Fatalf("%s sees a pending vendor: %+v", name, got)
		}
	}
	if got := queryVendor(t, e.client(auth.RoleCustomer, auth.RoleAdmin), hidden); got == nil || got.Status != "PENDING" {
		t.Fatalf("admin: %+v", got)
	}
}

func TestBadInputIsAClientError(t *testing.T) {
	e := open(t, "")
	c := e.client()
	c.Do(t, vendorQuery, map[string]any{"id": "../../etc"}).ExpectCode(t, "INVALID_INPUT", "id")
	r := c.Do(t, `{ vendor { id } }`, nil)
	if len(r.Errors) == 0 || r.Status >= 500 {
		t.Fatalf("missing argument: status %d errors %+v", r.Status, r.Errors)
	}
	r = gqltest.Client{URL: e.url + "/graphql", Token: "not-a-token"}.Do(t, vendorQuery, map[string]any{"id": demo.VendorID})
	if len(r.Errors) != 0 || r.Status >= 500 {
		t.Fatalf("a bad token on a public field: status %d errors %+v", r.Status, r.Errors)
	}
}

func TestEntities(t *testing.T) {
	e := seeded(t)
	hidden := pending(t, e)
	unknown, _ := vendorprofile.NewID()
	const q = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Vendor { id name status } } }`
	reps := []any{
		map[string]any{"__typename": "Vendor", "id": service.DemoGreenBowlID},
		map[string]any{"__typename": "Vendor", "id": unknown},
		map[string]any{"__typename": "Vendor", "id": hidden},
		map[string]any{"__typename": "Vendor", "id": "not-an-id"},
		map[string]any{"__typename": "Vendor", "id": demo.VendorID},
	}
	var out struct {
		Entities []*vendorData `json:"_entities"`
	}
	e.client().MustData(t, q, map[string]any{"r": reps}, &out)
	if len(out.Entities) != len(reps) {
		t.Fatalf("got %d entities for %d representations", len(out.Entities), len(reps))
	}
	if out.Entities[0] == nil || out.Entities[0].Name != "Green Bowl" || out.Entities[4] == nil || out.Entities[4].Name != "Trattoria Platter" {
		t.Fatalf("known vendors out of order: %+v %+v", out.Entities[0], out.Entities[4])
	}
	for _, i := range []int{1, 2, 3} {
		if out.Entities[i] != nil {
			t.Fatalf("entity %d should be null, got %+v", i, out.Entities[i])
		}
	}
	e.client(auth.RoleAdmin).MustData(t, q, map[string]any{"r": reps[2:3]}, &out)
	if len(out.Entities) != 1 || out.Entities[0] == nil || out.Entities[0].Status != "PENDING" {
		t.Fatalf("admin entity: %+v", out.Entities)
	}
}

func TestServiceSDL(t *testing.T) {
	e := open(t, "")
	var out struct {
		Service struct{ SDL string } `json:"_service"`
	}
	e.client().MustData(t, `{ _service { sdl } }`, nil, &out)
	for _, want := range []string{`type Vendor @key(fields: "id")`, "vendor(id: ID!): Vendor", "enum VendorStatus"} {
		if !strings.Contains(out.Service.SDL, want) {
			t.Fatalf("sdl lacks %q:\n%s", want, out.Service.SDL)
		}
	}
}

func TestSeedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	e := seeded(t)
	ids := []string{demo.VendorID, service.DemoGreenBowlID}
	admin := auth.WithIdentity(ctx, auth.Identity{Subject: "a", Roles: []auth.Role{auth.RoleAdmin}})
	before, err := e.svc.Vendors.GetMany(admin, ids)
	if err != nil {
		t.Fatal(err)
	}
	if err := service.Seed(ctx, e.svc, logging.Discard()); err != nil {
		t.Fatal(err)
	}
	after, err := e.svc.Vendors.GetMany(admin, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ids {
		if before[i].ID == "" || before[i] != after[i] || after[i].Status != vendorprofile.StatusApproved {
			t.Fatalf("seeding again changed %s: %+v -> %+v", ids[i], before[i], after[i])
		}
	}
}

// With Redis unreachable the subgraph still answers, and /healthz stays
// healthy while reporting the cache down.
func TestRedisDown(t *testing.T) {
	e := open(t, "redis://127.0.0.1:1/0")
	if err := service.Seed(context.Background(), e.svc, logging.Discard()); err != nil {
		t.Fatal(err)
	}
	if got := queryVendor(t, e.client(), demo.VendorID); got == nil || got.Name != "Trattoria Platter" {
		t.Fatalf("uncached query: %+v", got)
	}
	resp, err := http.Get(e.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var health struct {
		Status string
		Checks map[string]string
	}
	if err := json.NewDecoder(resp.Body).Decode(&health); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || health.Checks["mongodb"] != "up" || !strings.HasPrefix(health.Checks["redis"], "down") {
		t.Fatalf("healthz %d %+v", resp.StatusCode, health)
	}
}
