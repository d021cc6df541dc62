package service_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/subgraphs/vendorsvc/service"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

type page struct {
	Vendors struct {
		Edges []struct {
			Cursor     string
			DistanceKm *float64
			Node       vendorData
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

const listQuery = `query($f: VendorFilter, $first: Int!, $after: String) { vendors(filter: $f, first: $first, after: $after) {
	edges { cursor distanceKm node { id name openNow } } pageInfo { hasNextPage endCursor } } }`

func list(t *testing.T, e env, f map[string]any, first int, after *string) page {
	t.Helper()
	var out page
	e.client().MustData(t, listQuery, map[string]any{"f": f, "first": first, "after": after}, &out)
	return out
}

func names(p page) []string {
	var out []string
	for _, ed := range p.Vendors.Edges {
		out = append(out, ed.Node.Name)
	}
	return out
}

func TestListing(t *testing.T) {
	e := seeded(t)
	all := list(t, e, nil, 100, nil)
	if got := strings.Join(names(all), ","); got != "Green Bowl,Navigli Burger,Sakura Sushi,Trattoria Platter" {
		t.Fatalf("public vendors by name: %s", got)
	}
	// Pages of 3 then 1, joined by the cursor.
	p1 := list(t, e, nil, 3, nil)
	if len(p1.Vendors.Edges) != 3 || !p1.Vendors.PageInfo.HasNextPage {
		t.Fatalf("first page %+v", p1)
	}
	p2 := list(t, e, nil, 3, p1.Vendors.PageInfo.EndCursor)
	if got := names(p2); len(got) != 1 || got[0] != "Trattoria Platter" || p2.Vendors.PageInfo.HasNextPage {
		t.Fatalf("second page %v", got)
	}

	// Near the Duomo, nearest first, with distances: Brera is about 0.9 km
	// away, the others about 2 km.
	duomo := map[string]any{"lat": 45.4641, "lng": 9.1919}
	near := list(t, e, map[string]any{"near": map[string]any{"point": duomo, "radiusKm": 1.5}}, 10, nil)
	if got := strings.Join(names(near), ","); got != "Trattoria Platter,Sakura Sushi" {
		t.Fatalf("near: %s", got)
	}
	if d := near.Vendors.Edges[0].DistanceKm; d == nil || *d != 0 {
		t.Fatalf("distance to the Duomo vendor %v", d)
	}
	if d := near.Vendors.Edges[1].DistanceKm; d == nil || *d < 0.5 || *d > 1.5 {
		t.Fatalf("distance to Brera %v", d)
	}
	wide := map[string]any{"near": map[string]any{"point": duomo, "radiusKm": 5}}
	first2 := list(t, e, wide, 2, nil)
	rest := list(t, e, wide, 2, first2.Vendors.PageInfo.EndCursor)
	if got := names(rest); len(got) != 2 || rest.Vendors.PageInfo.HasNextPage || containsName(got, "Sakura Sushi") {
		t.Fatalf("near, second page: %v", got)
	}

	if got := names(list(t, e, map[string]any{"search": "  SUSHI brera "}, 10, nil)); len(got) != 1 || got[0] != "Sakura Sushi" {
		t.Fatalf("search: %v", got)
	}
	if got := names(list(t, e, map[string]any{"search": "nothing like this"}, 10, nil)); len(got) != 0 {
		t.Fatalf("search with no match: %v", got)
	}

	// openNow: the switch and the hours. Green Bowl is switched off; a
	// vendor open all day every day is open now whatever the clock says.
	owner := e.as(demo.BurgerID, auth.RoleVendor)
	var days []string
	for _, d := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"} {
		days = append(days, `{day: `+d+`, ranges: [{opens: "00:00", closes: "24:00"}]}`)
	}
	owner.MustData(t, `mutation { setOpeningHours(days: [`+strings.Join(days, ",")+`]) { id } }`, nil, nil)
	e.as(demo.SushiID, auth.RoleVendor).MustData(t, `mutation { setOpeningHours(days: []) { id } }`, nil, nil)
	open := names(list(t, e, map[string]any{"openNow": true}, 10, nil))
	if !containsName(open, "Navigli Burger") || containsName(open, "Green Bowl") || containsName(open, "Sakura Sushi") {
		t.Fatalf("open now: %v", open)
	}

	for _, tc := range []struct {
		vars  map[string]any
		field string
	}{
		{map[string]any{"first": 101}, "first"},
		{map[string]any{"first": 0}, "first"},
		{map[string]any{"first": 5, "after": "garbage"}, "after"},
		{map[string]any{"first": 5, "f": map[string]any{"near": map[string]any{"point": duomo, "radiusKm": 0}}}, "filter.near.radiusKm"},
		{map[string]any{"first": 5, "f": map[string]any{"near": map[string]any{"point": map[string]any{"lat": 100, "lng": 0}, "radiusKm": 1}}}, "filter.near.point.lat"},
		{map[string]any{"first": 5, "f": map[string]any{"search": strings.Repeat("x", 101)}}, "filter.search"},
	} {
		e.client().Do(t, listQuery, tc.vars).ExpectCode(t, "INVALID_INPUT", tc.field)
	}
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// A read after a write never returns the old value, for vendor(id) and for
// listings, though both were cached before the write.
func TestReadAfterWrite(t *testing.T) {
	e := seeded(t)
	owner := e.as(demo.VendorID, auth.RoleVendor)
	for i, name := range []string{"Trattoria Uno", "Trattoria Due", "Trattoria Tre"} {
		_ = queryVendor(t, e.client(), demo.VendorID)
		_ = list(t, e, map[string]any{"search": "trattoria"}, 10, nil)
		owner.MustData(t, `mutation($n: String!) { updateVendorProfile(input: {name: $n}) { id } }`, map[string]any{"n": name}, nil)
		if got := queryVendor(t, e.client(), demo.VendorID); got.Name != name {
			t.Fatalf("write %d: vendor(id) read %q", i, got.Name)
		}
		if got := names(list(t, e, map[string]any{"search": "trattoria"}, 10, nil)); len(got) != 1 || got[0] != name {
			t.Fatalf("write %d: listing read %v", i, got)
		}
	}
	// Approval is a write too: the new vendor enters the cached listing.
	before := len(list(t, e, nil, 100, nil).Vendors.Edges)
	e.admin().MustData(t, `mutation($id: ID!) { approveVendor(id: $id) { id } }`, map[string]any{"id": service.DemoApplicant.ID}, nil)
	if after := len(list(t, e, nil, 100, nil).Vendors.Edges); after != before+1 {
		t.Fatalf("listing after approval: %d vendors, want %d", after, before+1)
	}
}

func TestEntities(t *testing.T) {
	e := seeded(t)
	unknown, _ := vendorprofile.NewID()
	const q = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Vendor { id name status email } } }`
	reps := []any{
		map[string]any{"__typename": "Vendor", "id": demo.GreenBowlID},
		map[string]any{"__typename": "Vendor", "id": unknown},
		map[string]any{"__typename": "Vendor", "id": service.DemoApplicant.ID},
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
	if out.Entities[0] == nil || out.Entities[0].Name != "Green Bowl" || out.Entities[4] == nil || out.Entities[4].Name != "Trattoria Platter" || out.Entities[0].Email != nil {
		t.Fatalf("known vendors out of order: %+v %+v", out.Entities[0], out.Entities[4])
	}
	for _, i := range []int{1, 2, 3} {
		if out.Entities[i] != nil {
			t.Fatalf("entity %d should be null, got %+v", i, out.Entities[i])
		}
	}
	e.admin().MustData(t, q, map[string]any{"r": reps[2:3]}, &out)
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
	for _, want := range []string{`type Vendor @key(fields: "id")`, "vendor(id: ID!): Vendor", "enum VendorStatus", "type PageInfo @shareable"} {
		if !strings.Contains(out.Service.SDL, want) {
			t.Fatalf("sdl lacks %q:\n%s", want, out.Service.SDL)
		}
	}
}

func TestSeedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	e := seeded(t)
	ids := []string{demo.VendorID, demo.GreenBowlID, demo.SushiID, demo.BurgerID, service.DemoApplicant.ID}
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
		if before[i].ID == "" || before[i].Version != after[i].Version {
			t.Fatalf("seeding again changed %s: %+v -> %+v", ids[i], before[i], after[i])
		}
	}
	if len(service.DemoSignIns()) != len(demo.Vendors)+1 {
		t.Fatalf("sign-ins %+v", service.DemoSignIns())
	}
	for _, s := range service.DemoSignIns() {
		var in struct{ SignInVendor struct{ AccessToken string } }
		e.client().MustData(t, `mutation($e: String!, $p: String!) { signInVendor(email: $e, password: $p) { accessToken } }`, map[string]any{"e": s.Email, "p": demo.Password}, &in)
	}
}

// With Redis unreachable the subgraph still answers, reads after writes
// stay fresh, and /healthz stays healthy while reporting the cache down.
func TestRedisDown(t *testing.T) {
	e := open(t, "redis://127.0.0.1:1/0")
	if err := service.Seed(context.Background(), e.svc, logging.Discard()); err != nil {
		t.Fatal(err)
	}
	if got := queryVendor(t, e.client(), demo.VendorID); got == nil || got.Name != "Trattoria Platter" {
		t.Fatalf("uncached query: %+v", got)
	}
	e.as(demo.VendorID, auth.RoleVendor).MustData(t, `mutation { updateVendorProfile(input: {name: "Offline Trattoria"}) { id } }`, nil, nil)
	if got := queryVendor(t, e.client(), demo.VendorID); got.Name != "Offline Trattoria" {
		t.Fatalf("read after write without Redis: %+v", got)
	}
	if got := names(list(t, e, map[string]any{"search": "offline"}, 10, nil)); len(got) != 1 {
		t.Fatalf("listing without Redis: %v", got)
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

func decode[T any](t *testing.T, e events.Envelope) T {
	t.Helper()
	d, err := events.Decode[T](e)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
