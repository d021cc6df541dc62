package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/deliveryman/courier"
	"github.com/platterhq/platter/subgraphs/deliveryman/service"
)

type subgraph struct {
	svc    *service.Service
	client gqltest.Client
	keys   testenv.KeyPair
}

// open starts the subgraph on a fresh SQLite database.
func open(t *testing.T) subgraph {
	t.Helper()
	keys := testenv.Keys(t)
	cfg := config.Deliveryman{Auth: keys.Issuer(), SQL: config.SQL{URL: testenv.SQLite(t)}}
	svc, err := service.Open(context.Background(), cfg, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	return subgraph{svc: svc, client: gqltest.Client{URL: testenv.Serve(t, svc) + "/graphql"}, keys: keys}
}

// as returns a client whose requests carry a token for the given roles.
func (s subgraph) as(roles ...auth.Role) gqltest.Client {
	c := s.client
	c.Token = s.keys.Token("caller", roles...)
	return c
}

type courierJSON struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Availability string `json:"availability"`
	CreatedAt    string `json:"createdAt"`
}

const courierQuery = `query($id: ID!) { courier(id: $id) { id name availability createdAt } }`

func TestCourierQueryIsForAdmins(t *testing.T) {
	s := open(t)
	c, err := s.svc.Couriers.Register(context.Background(), courier.NewCourier{Name: "Dana"})
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{"id": c.ID}

	admin := s.as(auth.RoleCustomer, auth.RoleAdmin)
	var got struct{ Courier *courierJSON }
	admin.MustData(t, courierQuery, vars, &got)
	if got.Courier == nil || got.Courier.ID != c.ID || got.Courier.Name != "Dana" ||
		got.Courier.Availability != "OFFLINE" || !strings.HasSuffix(got.Courier.CreatedAt, "Z") {
		t.Fatalf("courier %+v", got.Courier)
	}
	admin.MustData(t, courierQuery, map[string]any{"id": "019abc00-0000-7000-8000-00000000dead"}, &got)
	if got.Courier != nil {
		t.Fatalf("unknown id gave %+v, want null", got.Courier)
	}

	s.client.Do(t, courierQuery, vars).ExpectCode(t, "UNAUTHENTICATED", "")
	s.as(auth.RoleCourier).Do(t, courierQuery, vars).ExpectCode(t, "FORBIDDEN", "")
	forged := s.client
	forged.Token = "not.a.token"
	forged.Do(t, courierQuery, vars).ExpectCode(t, "UNAUTHENTICATED", "")
}

func TestBadInputIsAClientError(t *testing.T) {
	s := open(t)
	admin := s.as(auth.RoleAdmin)
	admin.Do(t, courierQuery, map[string]any{"id": "courier-1"}).ExpectCode(t, "INVALID_INPUT", "id")
	admin.Do(t, `{ courier { id } }`, nil).ExpectCode(t, "GRAPHQL_VALIDATION_FAILED", "")
	admin.Do(t, `query($id: ID!) { courier(id: $id) { id } }`, map[string]any{"id": []int{1}}).ExpectCode(t, "GRAPHQL_VALIDATION_FAILED", "")
	admin.Do(t, `{ courier(id: "x") { id `, nil).ExpectCode(t, "GRAPHQL_PARSE_FAILED", "")
}

func TestEntities(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	a, err := s.svc.Couriers.Register(ctx, courier.NewCourier{Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.svc.Couriers.Register(ctx, courier.NewCourier{Name: "B"})
	if err != nil {
		t.Fatal(err)
	}
	reps := []map[string]any{
		{"__typename": "Courier", "id": b.ID},
		{"__typename": "Courier", "id": "019abc00-0000-7000-8000-00000000dead"},
		{"__typename": "Courier", "id": "garbage"},
		{"__typename": "Courier", "id": a.ID},
	}
	var got struct {
		Entities []*courierJSON `json:"_entities"`
	}
	s.client.MustData(t, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Courier { id name availability } } }`,
		map[string]any{"r": reps}, &got)
	if len(got.Entities) != 4 {
		t.Fatalf("got %d entities, want 4", len(got.Entities))
	}
	if got.Entities[0] == nil || got.Entities[0].ID != b.ID || got.Entities[0].Name != "B" ||
		got.Entities[1] != nil || got.Entities[2] != nil ||
		got.Entities[3] == nil || got.Entities[3].ID != a.ID || got.Entities[3].Availability != "OFFLINE" {
		raw, _ := json.Marshal(got.Entities)
		t.Fatalf("entities %s", raw)
	}
}

func TestServiceSDL(t *testing.T) {
	s := open(t)
	var got struct {
		Service struct{ SDL string } `json:"_service"`
	}
	s.client.MustData(t, `{ _service { sdl } }`, nil, &got)
	for _, want := range []string{`type Courier @key(fields: "id")`, "courier(id: ID!): Courier @auth(roles: [ADMIN])", "enum CourierAvailability"} {
		if !strings.Contains(got.Service.SDL, want) {
			t.Errorf("sdl lacks %q", want)
		}
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
	n, err := s.svc.Couriers.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("%d couriers after seeding twice, want 2", n)
	}
}
