package compose_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wundergraph/cosmo/router/pkg/execution_config"

	"github.com/platterhq/platter/router/compose"
)

const dishes = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { dish(id: ID!): Dish }
type Dish @key(fields: "id") { id: ID! name: String! }
type Subscription { dishAdded: Dish! }
`

const reviews = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Dish @key(fields: "id") { id: ID! rating: Float }
`

func TestComposeProducesConfigAndClientSDL(t *testing.T) {
	subgraphs := []compose.Subgraph{
		{Name: "dishes", RoutingURL: "http://127.0.0.1:4001/graphql", Schema: dishes},
		{Name: "reviews", RoutingURL: "http://127.0.0.1:4002/graphql", SubscriptionProtocol: compose.ProtocolSSEPost, Schema: reviews},
	}
	res, err := compose.Compose(subgraphs)
	if err != nil {
		t.Fatal(err)
	}

	cfg, err := execution_config.UnmarshalConfig(res.ExecutionConfig)
	if err != nil {
		t.Fatalf("the router cannot read the execution config: %v", err)
	}
	if got := len(cfg.GetSubgraphs()); got != 2 {
		t.Fatalf("execution config has %d subgraphs, want 2", got)
	}
	for _, want := range []string{"type Dish {", "rating: Float", "dishAdded: Dish!"} {
		if !strings.Contains(res.SDL, want) {
			t.Errorf("client SDL lacks %q:\n%s", want, res.SDL)
		}
	}
	// Federation machinery stays out of the client schema.
	for _, unwanted := range []string{"@key", "_entities", "_Service"} {
		if strings.Contains(res.SDL, unwanted) {
			t.Errorf("client SDL exposes %q", unwanted)
		}
	}

	again, err := compose.Compose(subgraphs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.ExecutionConfig, again.ExecutionConfig) || res.SDL != again.SDL {
		t.Fatal("composing the same input twice gave different output")
	}
}

func TestCompositionErrorsNameSubgraphsAndReasons(t *testing.T) {
	tests := []struct {
		name         string
		broken       string
		wantInvolved []string
		wantReason   string
	}{
		{
			name: "conflicting field types",
			broken: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
type Dish @key(fields: "id") { id: ID! name: Int! @shareable }`,
			wantInvolved: []string{"dishes", "broken"},
			wantReason:   `"Dish.name"`,
		},
		{
			name: "key on a missing field",
			broken: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { order(id: ID!): Order }
type Order @key(fields: "number") { id: ID! }`,
			wantInvolved: []string{"broken"},
			wantReason:   `does not define a field named "number"`,
		},
		{
			name:         "syntax error",
			broken:       `type Query { order(id: ID!): }`,
			wantInvolved: []string{"broken"},
			wantReason:   "Syntax Error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compose.Compose([]compose.Subgraph{
				{Name: "dishes", RoutingURL: "http://127.0.0.1:4001/graphql", Schema: dishes},
				{Name: "broken", RoutingURL: "http://127.0.0.1:4009/graphql", Schema: tt.broken},
			})
			var cerr *compose.Error
			if !errors.As(err, &cerr) {
				t.Fatalf("got %v, want a *compose.Error", err)
			}
			for _, name := range tt.wantInvolved {
				if !strings.Contains(cerr.Error(), name) || !contains(cerr.Subgraphs, name) {
					t.Errorf("error does not name subgraph %q: %v", name, cerr)
				}
			}
			if !strings.Contains(cerr.Error(), tt.wantReason) {
				t.Errorf("error lacks the reason %q: %v", tt.wantReason, cerr)
			}
			if strings.Contains(cerr.Error(), "<eval>") {
				t.Errorf("error leaks the JavaScript stack: %v", cerr)
			}
		})
	}
}

func TestLoadReportsEveryProblemBySubgraph(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dishes.graphqls", dishes)
	writeFile(t, dir, "empty.graphqls", "  \n")

	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "unknown protocol",
			yaml: `
subgraphs:
  dishes:
    routing_url: http://127.0.0.1:4001/graphql
    schema: {file: dishes.graphqls}
    subscription: {url: ws://127.0.0.1:4001/graphql, protocol: mqtt}`,
			want: []string{`subgraph "dishes"`, `"mqtt" is unknown`},
		},
		{
			name: "sse over GET",
			yaml: `
subgraphs:
  dishes:
    routing_url: http://127.0.0.1:4001/graphql
    schema: {file: dishes.graphqls}
    subscription: {protocol: sse}`,
			want: []string{`subgraph "dishes"`, "sse_post"},
		},
		{
			name: "missing and empty schema files, bad URL, together",
			yaml: `
subgraphs:
  dishes:
    routing_url: 127.0.0.1:4001
    schema: {file: dishes.graphqls}
  orders:
    routing_url: http://127.0.0.1:4002/graphql
    schema: {file: ./nowhere/schema.graphqls}
  reviews:
    routing_url: http://127.0.0.1:4003/graphql
    schema: {file: empty.graphqls}`,
			want: []string{`subgraph "dishes": routing_url`, `subgraph "orders": schema.file`, "nowhere/schema.graphqls", `subgraph "reviews": schema.file empty.graphqls is empty`},
		},
		{
			name: "duplicate names",
			yaml: `
subgraphs:
  dishes:
    routing_url: http://127.0.0.1:4001/graphql
    schema: {file: dishes.graphqls}
  dishes:
    routing_url: http://127.0.0.1:4002/graphql
    schema: {file: dishes.graphqls}`,
			want: []string{`subgraph "dishes": defined twice (lines 3 and 6)`},
		},
		{
			name: "misspelt key",
			yaml: `
subgraphs:
  dishes:
    routing_ulr: http://127.0.0.1:4001/graphql
    schema: {file: dishes.graphqls}`,
			want: []string{"routing_ulr"},
		},
		{
			name: "no subgraphs",
			yaml: "federation_version: =2.5.0\n",
			want: []string{"no subgraphs"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, dir, "supergraph.yaml", tt.yaml)
			_, err := compose.Load(path)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestLoadResolvesSchemaFilesAndKeepsOrder(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "schema"), "reviews.graphqls", reviews)
	writeFile(t, filepath.Join(dir, "schema"), "dishes.graphqls", dishes)
	path := writeFile(t, dir, "supergraph.yaml", `
subgraphs:
  reviews:
    routing_url: http://127.0.0.1:4002/graphql
    schema: {file: ./schema/reviews.graphqls}
    subscription: {url: http://127.0.0.1:4002/graphql, protocol: sse_post}
  dishes:
    routing_url: http://127.0.0.1:4001/graphql
    schema: {file: ./schema/dishes.graphqls}
`)
	got, err := compose.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "reviews" || got[1].Name != "dishes" {
		t.Fatalf("subgraphs = %+v, want reviews then dishes", got)
	}
	if got[0].Schema != reviews || got[0].SubscriptionProtocol != compose.ProtocolSSEPost {
		t.Errorf("reviews = %+v", got[0])
	}
	if got[1].SubscriptionProtocol != compose.ProtocolWS {
		t.Errorf("dishes protocol = %q, want the ws default", got[1].SubscriptionProtocol)
	}
}

// TestCommittedSupergraphIsFresh composes the repository's supergraph.yaml
// and compares the result with the committed, embedded artifacts.
func TestCommittedSupergraphIsFresh(t *testing.T) {
	subgraphs, err := compose.Load("../../supergraph.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := compose.Compose(subgraphs)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{
		"../supergraph/execution-config.json": res.ExecutionConfig,
		"../../schema/supergraph.graphql":     []byte(res.SDL),
	} {
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is missing or stale: run make compose (go run ./router/cmd/compose) and commit the result", path)
		}
	}
}

func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
