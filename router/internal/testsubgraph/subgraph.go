package testsubgraph

import (
	"context"
	_ "embed"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// Schema is the subgraph's SDL, for composing it in tests.
//
//go:embed schema.graphqls
var Schema string

// Handler serves the subgraph's GraphQL endpoint over POST, GET, multipart
// uploads, WebSocket (both subprotocols) and SSE.
func Handler() http.Handler {
	srv := handler.New(NewExecutableSchema(Config{Resolvers: &Resolver{}}))
	srv.AddTransport(transport.Websocket{KeepAlivePingInterval: 10 * time.Second})
	srv.AddTransport(transport.SSE{})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.MultipartForm{})
	return withHeaders(srv)
}

type headersKey struct{}

// withHeaders keeps the request headers in the context so resolvers can
// report what the router forwarded.
func withHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), headersKey{}, r.Header.Clone())
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func requestHeader(ctx context.Context, name string) *string {
	h, _ := ctx.Value(headersKey{}).(http.Header)
	if v := h.Get(name); v != "" {
		return &v
	}
	return nil
}

var dishes = map[string]string{"1": "Jollof rice", "2": "Pad thai"}

func findDish(id string) *Dish {
	name, ok := dishes[id]
	if !ok {
		return nil
	}
	return &Dish{ID: id, Name: name}
}
