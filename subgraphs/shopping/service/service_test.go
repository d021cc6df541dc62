package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/shopping/order"
	"github.com/platterhq/platter/subgraphs/shopping/service"
)

// subgraph is the shopping subgraph served over HTTP on a fresh SQLite
// database, with a key to sign callers' tokens.
type subgraph struct {
	t    *testing.T
	url  string
	svc  *service.Service
	keys testenv.KeyPair
}

func newSubgraph(t *testing.T) *subgraph {
	t.Helper()
	keys := testenv.Keys(t)
	cfg := config.Shopping{Auth: keys.Verifier(), SQL: config.SQL{URL: testenv.SQLite(t)}}
	svc, err := service.Open(context.Background(), cfg, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	return &subgraph{t: t, url: testenv.Serve(t, svc) + "/graphql", svc: svc, keys: keys}
}

type response struct {
	Data   map[string]json.RawMessage
	Errors []gqltest.Error
}

// do posts a GraphQL request as caller (nil: anonymous). Whatever the
// input, the subgraph must answer with GraphQL, never a server error.
func (s *subgraph) do(caller *auth.Identity, query string, vars map[string]any) response {
	s.t.Helper()
	c := gqltest.Client{URL: s.url}
	if caller != nil {
		c.Token = s.keys.TokenFor(*caller, time.Now())
	}
	res := c.Do(s.t, query, vars)
	if res.Status >= 500 {
		s.t.Fatalf("status %d for %s", res.Status, query)
	}
	out := response{Errors: res.Errors}
	if len(res.Data) > 0 {
		if err := json.Unmarshal(res.Data, &out.Data); err != nil {
			s.t.Fatalf("decode data %s: %v", res.Data, err)
		}
	}
	return out
}

func (s *subgraph) placeOrder(customerID, vendorID string) order.Order {
	s.t.Helper()
	number, err := order.NewNumber()
	if err != nil {
		s.t.Fatal(err)
	}
	o, _, err := s.svc.Orders.EnsureOrder(context.Background(), order.Order{
		ID: "order-" + number, Number: number, CustomerID: customerID, VendorID: vendorID,
		Status: order.StatusPlaced, PlacedAt: time.Now(),
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return o
}

func identity(subject string, roles ...auth.Role) *auth.Identity {
	return &auth.Identity{Subject: subject, Roles: roles, SessionID: "s-" + subject}
}

const orderQuery = `query($id: ID!) { order(id: $id) { id number status placedAt } }`

func TestOrderQueryOwnership(t *testing.T) {
	s := newSubgraph(t)
	o := s.placeOrder("cust-1", "vend-1")
	cases := []struct {
		name    string
		caller  *auth.Identity
		visible bool
	}{
		{"its customer", identity("cust-1", auth.RoleCustomer), true},
		{"its vendor", identity("vend-1", auth.RoleVendor), true},
		{"an admin", identity("admin-1", auth.RoleAdmin), true},
		{"another customer", identity("cust-2", auth.RoleCustomer), false},
		{"another vendor", identity("vend-2", auth.RoleVendor), false},
		{"a courier", identity("courier-1", auth.RoleCourier), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := s.do(c.caller, orderQuery, map[string]any{"id": o.ID})
			if len(res.Errors) > 0 {
				t.Fatalf("errors: %+v", res.Errors)
			}
			if !c.visible {
				if string(res.Data["order"]) != "null" {
					t.Fatalf("got %s, want null", res.Data["order"])
				}
				return
			}
			var got struct{ ID, Number, Status, PlacedAt string }
			if err := json.Unmarshal(res.Data["order"], &got); err != nil {
				t.Fatal(err)
			}
			if got.ID != o.ID || got.Number != o.Number || got.Status != "PLACED" || !strings.HasSuffix(got.PlacedAt, "Z") {
				t.Fatalf("got %+v, want %+v", got, o)
			}
		})
	}
	t.Run("unknown id", func(t *testing.T) {
		res := s.do(identity("admin-1", auth.RoleAdmin), orderQuery, map[string]any{"id": "no-such-order"})
		if len(res.Errors) > 0 || string(res.Data["order"]) != "null" {
			t.Fatalf("got %s %+v, want null", res.Data["order"], res.Errors)
		}
	})
}

func TestOrderQueryBadInput(t *testing.T) {
	s := newSubgraph(t)
	cases := []struct {
		name   string
		caller *auth.Identity
		query  string
		vars   map[string]any
		code   string
		field  string
	}{
		{"anonymous", nil, orderQuery, map[string]any{"id": "x"}, "UNAUTHENTICATED", ""},
		{"empty id", identity("cust-1", auth.RoleCustomer), orderQuery, map[string]any{"id": ""}, "INVALID_INPUT", "id"},
		{"oversized id", identity("cust-1", auth.RoleCustomer), orderQuery, map[string]any{"id": strings.Repeat("9", 100)}, "INVALID_INPUT", "id"},
		{"missing id", identity("cust-1", auth.RoleCustomer), `{ order { id } }`, nil, "GRAPHQL_VALIDATION_FAILED", ""},
		{"id of the wrong type", identity("cust-1", auth.RoleCustomer), orderQuery, map[string]any{"id": map[string]any{"a": 1}}, "GRAPHQL_VALIDATION_FAILED", ""},
		{"unparsable", nil, `{ order(id: `, nil, "GRAPHQL_PARSE_FAILED", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := s.do(c.caller, c.query, c.vars)
			if len(res.Errors) == 0 {
				t.Fatalf("no error; data %s", res.Data["order"])
			}
			ext := res.Errors[0].Extensions
			if ext["code"] != c.code || (c.field != "" && ext["field"] != c.field) {
				t.Fatalf("got %+v, want code %s field %q", res.Errors[0], c.code, c.field)
			}
		})
	}
}

const entitiesQuery = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id number status } } }`

func TestEntities(t *testing.T) {
	s := newSubgraph(t)
	mine := s.placeOrder("cust-1", "vend-1")
	theirs := s.placeOrder("cust-2", "vend-2")
	reps := []map[string]any{
		{"__typename": "Order", "id": mine.ID},
		{"__typename": "Order", "id": "no-such-order"},
		{"__typename": "Order", "id": theirs.ID},
		{"__typename": "Order", "id": mine.ID},
	}
	entities := func(caller *auth.Identity) []string {
		t.Helper()
		res := s.do(caller, entitiesQuery, map[string]any{"reps": reps})
		if len(res.Errors) > 0 {
			t.Fatalf("errors: %+v", res.Errors)
		}
		var list []*struct{ ID string }
		if err := json.Unmarshal(res.Data["_entities"], &list); err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(list))
		for i, e := range list {
			if e != nil {
				ids[i] = e.ID
			}
		}
		return ids
	}
	check := func(name string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	check("customer", entities(identity("cust-1", auth.RoleCustomer)), mine.ID, "", "", mine.ID)
	check("vendor", entities(identity("vend-2", auth.RoleVendor)), "", "", theirs.ID, "")
	check("admin", entities(identity("admin-1", auth.RoleAdmin)), mine.ID, "", theirs.ID, mine.ID)
	check("anonymous", entities(nil), "", "", "", "")
}

func TestServiceSDL(t *testing.T) {
	s := newSubgraph(t)
	res := s.do(nil, `{ _service { sdl } }`, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	var svc struct{ SDL string }
	if err := json.Unmarshal(res.Data["_service"], &svc); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`type Order @key(fields: "id")`, "order(id: ID!): Order @auth", "enum OrderStatus"} {
		if !strings.Contains(svc.SDL, want) {
			t.Errorf("sdl lacks %q", want)
		}
	}
}
