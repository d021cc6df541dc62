package router_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/router"
	"github.com/platterhq/platter/router/compose"
	"github.com/platterhq/platter/router/internal/testsubgraph"
)

// The fixture subgraph is composed with a routing URL nobody listens on;
// the router reaches the real test server only through the
// SUBGRAPH_DISHES_URL override, as docker-compose and the stack do.
const unreachable = "http://127.0.0.1:9/graphql"

// startRouter serves the fixture subgraph in-process and a router in
// front of it, subscribing to the subgraph with protocol.
func startRouter(t *testing.T, protocol string, env map[string]string) *router.Router {
	t.Helper()
	subgraph := httptest.NewServer(testsubgraph.Handler())
	t.Cleanup(subgraph.Close)

	res, err := compose.Compose([]compose.Subgraph{{
		Name:                 "dishes",
		RoutingURL:           unreachable,
		SubscriptionProtocol: protocol,
		Schema:               testsubgraph.Schema,
	}})
	if err != nil {
		t.Fatal(err)
	}
	execFile := filepath.Join(t.TempDir(), "execution-config.json")
	if err := os.WriteFile(execFile, res.ExecutionConfig, 0o644); err != nil {
		t.Fatal(err)
	}

	vars := map[string]string{
		"ROUTER_ADDR":             "127.0.0.1:0",
		"ROUTER_METRICS_ADDR":     "127.0.0.1:0",
		"ROUTER_EXECUTION_CONFIG": execFile,
		"SUBGRAPH_DISHES_URL":     subgraph.URL,
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := router.LoadConfig(config.MapEnv(vars))
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	r, err := router.New(ctx, cfg, logging.New(testWriter{t}, logging.Text, cfg.LogLevel))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return r
}

func TestRouterEndToEnd(t *testing.T) {
	r := startRouter(t, compose.ProtocolWS, nil)
	endpoint := r.URL() + router.GraphQLPath

	t.Run("playground on GET /", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, r.URL()+"/", nil)
		req.Header.Set("Accept", "text/html")
		status, _, body := do(t, req)
		if status != http.StatusOK || !strings.Contains(strings.ToLower(string(body)), "<html") {
			t.Fatalf("GET / = %d, want the playground page:\n%.300s", status, body)
		}
	})

	t.Run("query over POST", func(t *testing.T) {
		resp := post(t, endpoint, `{ dish(id: "1") { id name } }`, nil)
		wantData(t, resp, `{"dish":{"id":"1","name":"Jollof rice"}}`)
	})

	t.Run("query over GET", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, endpoint+"?query="+url.QueryEscape(`{ dish(id: "2") { name } }`), nil)
		status, _, body := do(t, req)
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, body)
		}
		wantData(t, decode(t, body), `{"dish":{"name":"Pad thai"}}`)
	})

	t.Run("batch", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(`[{"query":"{ dish(id: \"1\") { name } }"},{"query":"{ dish(id: \"2\") { name } }"}]`))
		req.Header.Set("Content-Type", "application/json")
		_, _, body := do(t, req)
		var results []gqlResponse
		if err := json.Unmarshal(body, &results); err != nil || len(results) != 2 {
			t.Fatalf("batch answered %s", body)
		}
		wantData(t, results[1], `{"dish":{"name":"Pad thai"}}`)
	})

	t.Run("introspection fits the limits", func(t *testing.T) {
		resp := post(t, endpoint, introspectionQuery, nil)
		if len(resp.Errors) > 0 || !bytes.Contains(resp.Data, []byte(`"Dish"`)) {
			t.Fatalf("introspection failed: %s", resp.Errors)
		}
	})

	t.Run("syntax error is a GraphQL error", func(t *testing.T) {
		resp := post(t, endpoint, `{ dish(`, nil)
		wantError(t, resp, "")
	})

	t.Run("unknown field is a GraphQL error", func(t *testing.T) {
		resp := post(t, endpoint, `{ nope }`, nil)
		wantError(t, resp, "nope")
	})

	t.Run("depth limit", func(t *testing.T) {
		deep := "{ __schema { types { fields { type " + strings.Repeat("{ ofType ", 16) + "{ name }" + strings.Repeat(" }", 16) + " } } } }"
		wantError(t, post(t, endpoint, deep, nil), "depth")
	})

	t.Run("alias limit", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("{")
		for i := range 31 {
			fmt.Fprintf(&b, ` d%d: dish(id: "1") { id }`, i)
		}
		b.WriteString(" }")
		wantError(t, post(t, endpoint, b.String(), nil), "aliases")
	})

	t.Run("Authorization reaches the subgraph", func(t *testing.T) {
		resp := post(t, endpoint, `mutation { echoHeader(name: "Authorization") }`, http.Header{"Authorization": {"Bearer token-1"}})
		wantData(t, resp, `{"echoHeader":"Bearer token-1"}`)
	})

	t.Run("client request id reaches the subgraph", func(t *testing.T) {
		resp := post(t, endpoint, `mutation { echoHeader(name: "X-Request-Id") }`, http.Header{"X-Request-Id": {"req-42"}})
		wantData(t, resp, `{"echoHeader":"req-42"}`)
	})

	t.Run("router makes a request id when the client sends none", func(t *testing.T) {
		req := newPost(t, endpoint, `mutation { echoHeader(name: "X-Request-Id") }`)
		_, header, body := do(t, req)
		echoed := header.Get("X-Request-Id")
		if echoed == "" {
			t.Fatal("no X-Request-Id in the response")
		}
		wantData(t, decode(t, body), fmt.Sprintf(`{"echoHeader":%q}`, echoed))
	})

	t.Run("subgraph error code passes through", func(t *testing.T) {
		resp := post(t, endpoint, `{ invalid }`, nil)
		if len(resp.Errors) != 1 {
			t.Fatalf("errors = %s, want one", resp.Errors)
		}
		var e struct {
			Message    string
			Path       []any
			Extensions struct{ Code, Field string }
		}
		if err := json.Unmarshal(resp.Errors[0], &e); err != nil {
			t.Fatal(err)
		}
		if e.Extensions.Code != "INVALID_INPUT" || e.Extensions.Field != "name" || e.Message != "name must not be empty" {
			t.Fatalf("error = %s, want the subgraph's INVALID_INPUT on field name", resp.Errors[0])
		}
	})

	t.Run("multipart upload", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("operations", `{"query":"mutation($f: Upload!) { uploadSize(file: $f) }","variables":{"f":null}}`)
		_ = mw.WriteField("map", `{"0":["variables.f"]}`)
		fw, _ := mw.CreateFormFile("0", "dish.jpg")
		_, _ = fw.Write(bytes.Repeat([]byte{0xff}, 3000))
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, endpoint, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		_, _, resp := do(t, req)
		wantData(t, decode(t, resp), `{"uploadSize":3000}`)
	})

	// Browsers cannot set headers on a WebSocket, so their token travels in
	// the connection_init payload, which the router forwards to the
	// subgraph's connection_init; other clients may send a header.
	t.Run("websocket graphql-transport-ws", func(t *testing.T) {
		ticks := subscribeWS(t, endpoint, "graphql-transport-ws", nil, tokenPayload("Bearer ws-1"), true)
		wantTicks(t, ticks, "Bearer ws-1")
	})

	t.Run("websocket graphql-ws", func(t *testing.T) {
		ticks := subscribeWS(t, endpoint, "graphql-ws", nil, tokenPayload("Bearer ws-2"), true)
		wantTicks(t, ticks, "Bearer ws-2")
	})

	t.Run("websocket with an Authorization header", func(t *testing.T) {
		ticks := subscribeWS(t, endpoint, "graphql-transport-ws", http.Header{"Authorization": {"Bearer ws-3"}}, nil, true)
		wantTicks(t, ticks, "Bearer ws-3")
	})

	t.Run("SSE", func(t *testing.T) {
		wantTicks(t, subscribeSSE(t, endpoint, "Bearer sse-1", true), "Bearer sse-1")
	})

	t.Run("CORS preflight allows Authorization", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, endpoint, nil)
		req.Header.Set("Origin", "https://app.platter.test")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		_, header, _ := do(t, req)
		if header.Get("Access-Control-Allow-Origin") == "" || !strings.Contains(strings.ToLower(header.Get("Access-Control-Allow-Headers")), "authorization") {
			t.Fatalf("preflight headers: %v", header)
		}
	})

	t.Run("health", func(t *testing.T) {
		for _, path := range []string{"/health/live", "/health/ready"} {
			req, _ := http.NewRequest(http.MethodGet, r.URL()+path, nil)
			if status, _, body := do(t, req); status != http.StatusOK {
				t.Errorf("GET %s = %d %s", path, status, body)
			}
		}
	})

	t.Run("prometheus metrics", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, r.MetricsURL(), nil)
		status, header, body := do(t, req)
		if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "text/plain") {
			t.Fatalf("GET %s = %d %s", r.MetricsURL(), status, header.Get("Content-Type"))
		}
		for _, want := range []string{"# TYPE ", "router_http_requests_total"} {
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("metrics lack %q", want)
			}
		}
	})
}

// TestRouterSubscribesOverSSEPost covers subgraphs composed with the
// sse_post protocol: the router then opens subscriptions to gqlgen with
// POST and Accept: text/event-stream. Events and headers arrive, but two
// things do not, which is why Platter's subgraphs use ws:
//   - the subgraph's "complete": the router's SSE client stops reading
//     without ending the client's subscription, so the test stops after
//     the events;
//   - a token sent in the client's connection_init payload: it reaches an
//     SSE subgraph only inside extensions.initialPayload, not as a header.
func TestRouterSubscribesOverSSEPost(t *testing.T) {
	r := startRouter(t, compose.ProtocolSSEPost, nil)
	endpoint := r.URL() + router.GraphQLPath
	wantTicks(t, subscribeWS(t, endpoint, "graphql-transport-ws", http.Header{"Authorization": {"Bearer a"}}, nil, false), "Bearer a")
	wantTicks(t, subscribeSSE(t, endpoint, "Bearer b", false), "Bearer b")
}

func TestRouterWithoutMetricsOrPlayground(t *testing.T) {
	r := startRouter(t, compose.ProtocolWS, map[string]string{
		"ROUTER_METRICS_ADDR": "off",
		"ROUTER_PLAYGROUND":   "false",
	})
	if r.MetricsURL() != "" {
		t.Errorf("MetricsURL = %q, want none", r.MetricsURL())
	}
	req, _ := http.NewRequest(http.MethodGet, r.URL()+"/", nil)
	req.Header.Set("Accept", "text/html")
	if status, _, body := do(t, req); status == http.StatusOK && bytes.Contains(bytes.ToLower(body), []byte("<html")) {
		t.Error("playground served although disabled")
	}
}

// TestCloseEndsOpenSubscriptions checks that open SSE and WebSocket
// subscriptions do not hold shutdown for the grace period.
func TestCloseEndsOpenSubscriptions(t *testing.T) {
	r := startRouter(t, compose.ProtocolWS, nil)
	endpoint := r.URL() + router.GraphQLPath
	endless := `subscription { ticks(count: 1000000) { n } }`

	req := newPost(t, endpoint, endless)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sse := bufio.NewReader(resp.Body)
	if _, err := sse.ReadString('\n'); err != nil {
		t.Fatalf("no SSE event: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(endpoint, "http"), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	var msg map[string]any
	for _, m := range []map[string]any{{"type": "connection_init"}, {"id": "1", "type": "subscribe", "payload": map[string]string{"query": endless}}} {
		if err := wsjson.Write(ctx, conn, m); err != nil {
			t.Fatal(err)
		}
		if err := wsjson.Read(ctx, conn, &msg); err != nil {
			t.Fatal(err)
		}
	}

	if err := r.Close(); err != nil {
		t.Fatalf("close with open subscriptions: %v", err)
	}
	if _, err := io.Copy(io.Discard, sse); err != nil {
		t.Errorf("SSE stream: %v", err)
	}
	for {
		if err := wsjson.Read(ctx, conn, &msg); err != nil {
			if ctx.Err() != nil {
				t.Fatal("WebSocket still open after close")
			}
			break
		}
	}
}

type tick struct {
	N             int     `json:"n"`
	Authorization *string `json:"authorization"`
}

const tickCount = 3

var tickSubscription = fmt.Sprintf(`subscription { ticks(count: %d) { n authorization } }`, tickCount)

func wantTicks(t *testing.T, got []tick, authorization string) {
	t.Helper()
	if len(got) != tickCount {
		t.Fatalf("got %d ticks %+v, want %d", len(got), got, tickCount)
	}
	for i, tk := range got {
		if tk.N != i+1 {
			t.Errorf("tick %d has n=%d", i, tk.N)
		}
	}
	if a := got[0].Authorization; a == nil || *a != authorization {
		t.Errorf("subgraph saw Authorization %s, want %q", deref(a), authorization)
	}
}

func tokenPayload(token string) map[string]any { return map[string]any{"Authorization": token} }

// subscribeWS runs tickSubscription over a WebSocket with the given
// subprotocol, upgrade header and connection_init payload, and collects the
// ticks until the server completes (or, unless awaitComplete, until all
// ticks are in).
func subscribeWS(t *testing.T, endpoint, subprotocol string, header http.Header, payload map[string]any, awaitComplete bool) []tick {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(endpoint, "http"), &websocket.DialOptions{Subprotocols: []string{subprotocol}, HTTPHeader: header})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.CloseNow()
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != subprotocol {
		t.Fatalf("server chose subprotocol %q, want %q", got, subprotocol)
	}

	send := func(v any) {
		if err := wsjson.Write(ctx, conn, v); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	type message struct {
		ID      string          `json:"id"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload"`
	}
	init := map[string]any{"type": "connection_init"}
	if payload != nil {
		init["payload"] = payload
	}
	send(init)
	start := "subscribe"
	if subprotocol == "graphql-ws" {
		start = "start"
	}
	sent := false
	var ticks []tick
	for {
		var m message
		if err := wsjson.Read(ctx, conn, &m); err != nil {
			t.Fatalf("read after %d ticks: %v", len(ticks), err)
		}
		switch m.Type {
		case "connection_ack":
			if !sent {
				send(map[string]any{"id": "1", "type": start, "payload": map[string]string{"query": tickSubscription}})
				sent = true
			}
		case "next", "data":
			var p gqlResponse
			if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
				t.Fatalf("event %s", m.Payload)
			}
			var d struct{ Ticks tick }
			if err := json.Unmarshal(p.Data, &d); err != nil {
				t.Fatal(err)
			}
			ticks = append(ticks, d.Ticks)
			if !awaitComplete && len(ticks) == tickCount {
				return ticks
			}
		case "complete":
			conn.Close(websocket.StatusNormalClosure, "")
			return ticks
		case "error", "connection_error":
			t.Fatalf("%s: %s", m.Type, m.Payload)
		}
	}
}

// subscribeSSE runs tickSubscription over server-sent events, with the
// token as an Authorization header, like subscribeWS.
func subscribeSSE(t *testing.T, endpoint, token string, awaitComplete bool) []tick {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := newPost(t, endpoint, tickSubscription).WithContext(ctx)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/event-stream") {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("SSE answered %d %s: %s", resp.StatusCode, ct, body)
	}
	var ticks []tick
	event := ""
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			if event == "complete" {
				return ticks
			}
		case strings.HasPrefix(line, "data:") && event == "next":
			var p gqlResponse
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data:")), &p); err != nil || len(p.Errors) > 0 {
				t.Fatalf("event %s", line)
			}
			var d struct{ Ticks tick }
			if err := json.Unmarshal(p.Data, &d); err != nil {
				t.Fatal(err)
			}
			ticks = append(ticks, d.Ticks)
			if !awaitComplete && len(ticks) == tickCount {
				return ticks
			}
		}
	}
	t.Fatalf("stream ended without complete after %d ticks: %v", len(ticks), sc.Err())
	return nil
}

func deref(s *string) string {
	if s == nil {
		return "none"
	}
	return fmt.Sprintf("%q", *s)
}

type gqlResponse struct {
	Data   json.RawMessage   `json:"data"`
	Errors []json.RawMessage `json:"errors"`
}

func newPost(t *testing.T, endpoint, query string) *http.Request {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}

func post(t *testing.T, endpoint, query string, header http.Header) gqlResponse {
	t.Helper()
	req := newPost(t, endpoint, query)
	for k, v := range header {
		req.Header[k] = v
	}
	status, _, body := do(t, req)
	if status >= 500 {
		t.Fatalf("status %d: %s", status, body)
	}
	return decode(t, body)
}

func do(t *testing.T, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

func decode(t *testing.T, body []byte) gqlResponse {
	t.Helper()
	var r gqlResponse
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("not a GraphQL response: %v: %s", err, body)
	}
	return r
}

func wantData(t *testing.T, r gqlResponse, want string) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %s", r.Errors)
	}
	var got, exp any
	_ = json.Unmarshal(r.Data, &got)
	_ = json.Unmarshal([]byte(want), &exp)
	g, _ := json.Marshal(got)
	e, _ := json.Marshal(exp)
	if !bytes.Equal(g, e) {
		t.Fatalf("data = %s, want %s", r.Data, want)
	}
}

func wantError(t *testing.T, r gqlResponse, substr string) {
	t.Helper()
	if len(r.Errors) == 0 {
		t.Fatalf("no errors; data = %s", r.Data)
	}
	if !bytes.Contains(bytes.ToLower(r.Errors[0]), []byte(strings.ToLower(substr))) {
		t.Fatalf("error %s does not mention %q", r.Errors[0], substr)
	}
}

// testWriter sends log output to the test log, shown on failure.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// introspectionQuery is the query GraphiQL sends to load the schema.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}`
