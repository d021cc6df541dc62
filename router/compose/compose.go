// Package compose turns supergraph.yaml and the subgraph schema files it
// names into the two artifacts the router needs: the execution config JSON
// the router plans queries from, and the client-facing supergraph SDL.
//
// Composition follows the Apollo Federation v2 rules as implemented by
// WunderGraph's composition library, run in-process (no Node.js). It takes
// a few hundred milliseconds, which is why the router loads a precomposed
// config instead of composing at boot; `make compose` refreshes it.
package compose

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dop251/goja"
	composition "github.com/wundergraph/cosmo/composition-go"
)

// Subgraph is one subgraph to compose.
type Subgraph struct {
	Name       string
	RoutingURL string
	// SubscriptionURL is where subscriptions are opened; empty means
	// RoutingURL.
	SubscriptionURL string
	// SubscriptionProtocol is ProtocolWS (the default when empty) or
	// ProtocolSSEPost.
	SubscriptionProtocol string
	// SchemaFile is the schema's path as written in supergraph.yaml; it only
	// serves error messages.
	SchemaFile string
	// Schema is the subgraph's SDL.
	Schema string
}

// Subscription protocols a Platter subgraph can serve. The router's plain
// "sse" protocol subscribes with GET, which gqlgen's SSE transport refuses.
const (
	ProtocolWS      = "ws"
	ProtocolSSEPost = "sse_post"
)

// Result is a successful composition.
type Result struct {
	// ExecutionConfig is the router execution config, indented JSON ending
	// in a newline, ready to be written to a file.
	ExecutionConfig []byte
	// SDL is the schema clients see, ending in a newline.
	SDL string
}

// sdlHeader starts the generated supergraph SDL so nobody edits it by hand.
const sdlHeader = "# The client-facing supergraph, composed from supergraph.yaml by `make compose`.\n# Generated: edit the subgraph schemas, not this file.\n\n"

// Compose composes the subgraphs. An error names the subgraphs involved and
// lists every reason the composer gave.
func Compose(subgraphs []Subgraph) (*Result, error) {
	if len(subgraphs) == 0 {
		return nil, errors.New("compose: no subgraphs")
	}
	input := make([]*composition.Subgraph, 0, len(subgraphs))
	names := make([]string, 0, len(subgraphs))
	for _, s := range subgraphs {
		if strings.TrimSpace(s.Schema) == "" {
			// The composer would fetch the schema over HTTP instead; composing
			// must depend on the files alone.
			return nil, fmt.Errorf("compose: subgraph %q: empty schema", s.Name)
		}
		protocol := s.SubscriptionProtocol
		if protocol == "" {
			protocol = ProtocolWS
		}
		subURL := s.SubscriptionURL
		if subURL == "" {
			subURL = s.RoutingURL
		}
		input = append(input, &composition.Subgraph{
			Name:                 s.Name,
			URL:                  s.RoutingURL,
			Schema:               s.Schema,
			SubscriptionURL:      subURL,
			SubscriptionProtocol: protocol,
		})
		names = append(names, s.Name)
	}

	out, err := composition.BuildRouterConfiguration(input...)
	if err != nil {
		return nil, compositionError(names, err)
	}

	var indented bytes.Buffer
	if err := json.Indent(&indented, []byte(out), "", "  "); err != nil {
		return nil, fmt.Errorf("compose: execution config is not JSON: %w", err)
	}
	indented.WriteByte('\n')

	sdl, err := clientSDL([]byte(out))
	if err != nil {
		return nil, err
	}
	return &Result{ExecutionConfig: indented.Bytes(), SDL: sdlHeader + sdl + "\n"}, nil
}

// clientSDL picks the schema clients see out of the execution config: the
// client schema (without @inaccessible parts) when the composer produced
// one, else the full federated schema.
func clientSDL(executionConfig []byte) (string, error) {
	var cfg struct {
		EngineConfig struct {
			GraphqlSchema       string `json:"graphqlSchema"`
			GraphqlClientSchema string `json:"graphqlClientSchema"`
		} `json:"engineConfig"`
	}
	if err := json.Unmarshal(executionConfig, &cfg); err != nil {
		return "", fmt.Errorf("compose: read execution config: %w", err)
	}
	sdl := cfg.EngineConfig.GraphqlClientSchema
	if sdl == "" {
		sdl = cfg.EngineConfig.GraphqlSchema
	}
	if sdl == "" {
		return "", errors.New("compose: execution config holds no schema")
	}
	return strings.TrimSpace(sdl), nil
}

// compositionError rewrites the composer's JavaScript exception into a
// message people can act on: the subgraphs it mentions, then each reason on
// its own line, without the JavaScript stack position.
func compositionError(names []string, err error) error {
	msg := err.Error()
	var ex *goja.Exception
	if errors.As(err, &ex) {
		msg = ex.Value().String()
	}
	msg = strings.TrimPrefix(msg, "Error: ")
	msg = strings.TrimPrefix(msg, "could not federate schema: ")

	// The composer joins its reasons with ", "; each reason ends in a period.
	var reasons []string
	parts := strings.Split(msg, "., ")
	for i, p := range parts {
		if i < len(parts)-1 {
			p += "."
		}
		p = strings.TrimSpace(p)
		if p != "" && !slices.Contains(reasons, p) {
			reasons = append(reasons, p)
		}
	}

	var involved []string
	for _, n := range names {
		if strings.Contains(msg, `"`+n+`"`) || strings.Contains(msg, "Graph "+n+":") {
			involved = append(involved, n)
		}
	}
	if len(involved) == 0 {
		involved = names
	}

	var b strings.Builder
	fmt.Fprintf(&b, "compose: composition failed (subgraphs involved: %s):", strings.Join(involved, ", "))
	for _, r := range reasons {
		b.WriteString("\n  - ")
		b.WriteString(strings.ReplaceAll(r, "\n", "\n    "))
	}
	return &Error{Subgraphs: involved, Reasons: reasons, msg: b.String()}
}

// Error is a composition failure.
type Error struct {
	// Subgraphs are the subgraphs the reasons mention (all of them when
	// none is named).
	Subgraphs []string
	// Reasons are the composer's messages, one per problem.
	Reasons []string
	msg     string
}

func (e *Error) Error() string { return e.msg }
