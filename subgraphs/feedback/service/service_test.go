package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/feedback/review"
	"github.com/platterhq/platter/subgraphs/feedback/service"
)

// subgraph is the feedback subgraph served over HTTP on a fresh SQLite
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
	cfg := config.Feedback{Auth: keys.Verifier(), SQL: config.SQL{URL: testenv.SQLite(t)}}
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

func (s *subgraph) writeReview(rating int, comment string) review.Review {
	s.t.Helper()
	id := func() string { return uuid.Must(uuid.NewV7()).String() }
	r, _, err := s.svc.Reviews.EnsureReview(context.Background(), review.Draft{
		AuthorID: id(), OrderID: id(), TargetType: review.TargetVendor, TargetID: id(), Rating: rating, Comment: comment,
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return r
}

const reviewQuery = `query($id: ID!) { review(id: $id) { id rating comment createdAt } }`

func TestReviewQueryIsPublic(t *testing.T) {
	s := newSubgraph(t)
	r := s.writeReview(5, "Best ramen in town.")
	for _, caller := range []*auth.Identity{nil, {Subject: "someone", Roles: []auth.Role{auth.RoleCourier}}} {
		res := s.do(caller, reviewQuery, map[string]any{"id": r.ID})
		if len(res.Errors) > 0 {
			t.Fatalf("errors: %+v", res.Errors)
		}
		var got struct {
			ID        string
			Rating    int
			Comment   string
			CreatedAt string
		}
		if err := json.Unmarshal(res.Data["review"], &got); err != nil {
			t.Fatal(err)
		}
		if got.ID != r.ID || got.Rating != 5 || got.Comment != r.Comment || !strings.HasSuffix(got.CreatedAt, "Z") {
			t.Fatalf("got %+v, want %+v", got, r)
		}
	}
	res := s.do(nil, reviewQuery, map[string]any{"id": uuid.Must(uuid.NewV7()).String()})
	if len(res.Errors) > 0 || string(res.Data["review"]) != "null" {
		t.Fatalf("unknown id: got %s %+v, want null", res.Data["review"], res.Errors)
	}
}

func TestReviewQueryBadInput(t *testing.T) {
	s := newSubgraph(t)
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		code  string
		field string
	}{
		{"empty id", reviewQuery, map[string]any{"id": " "}, "INVALID_INPUT", "id"},
		{"oversized id", reviewQuery, map[string]any{"id": strings.Repeat("9", 1000)}, "INVALID_INPUT", "id"},
		{"missing id", `{ review { id } }`, nil, "GRAPHQL_VALIDATION_FAILED", ""},
		{"id of the wrong type", reviewQuery, map[string]any{"id": []int{1}}, "GRAPHQL_VALIDATION_FAILED", ""},
		{"unknown field", `{ review(id: "x") { stars } }`, nil, "GRAPHQL_VALIDATION_FAILED", ""},
		{"unparsable", `{ review(id: `, nil, "GRAPHQL_PARSE_FAILED", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := s.do(nil, c.query, c.vars)
			if len(res.Errors) == 0 {
				t.Fatalf("no error; data %s", res.Data["review"])
			}
			ext := res.Errors[0].Extensions
			if ext["code"] != c.code || (c.field != "" && ext["field"] != c.field) {
				t.Fatalf("got %+v, want code %s field %q", res.Errors[0], c.code, c.field)
			}
		})
	}
}

func TestEntities(t *testing.T) {
	s := newSubgraph(t)
	a := s.writeReview(4, "Good, a bit salty.")
	b := s.writeReview(2, "Arrived cold.")
	res := s.do(nil, `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Review { id rating } } }`,
		map[string]any{"reps": []map[string]any{
			{"__typename": "Review", "id": b.ID},
			{"__typename": "Review", "id": "no-such-review"},
			{"__typename": "Review", "id": a.ID},
			{"__typename": "Review", "id": ""},
		}})
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	var list []*struct {
		ID     string
		Rating int
	}
	if err := json.Unmarshal(res.Data["_entities"], &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 || list[0] == nil || list[0].ID != b.ID || list[0].Rating != 2 ||
		list[1] != nil || list[2] == nil || list[2].ID != a.ID || list[3] != nil {
		t.Fatalf("entities: %s", res.Data["_entities"])
	}
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
	for _, want := range []string{`type Review @key(fields: "id")`, "review(id: ID!): Review"} {
		if !strings.Contains(svc.SDL, want) {
			t.Errorf("sdl lacks %q", want)
		}
	}
}
