package router

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/wundergraph/cosmo/router/core"

	"github.com/platterhq/platter/internal/httpserver"
)

// requestModule runs first on every request the router serves.
//
// It gives the request an X-Request-Id before the router reads the headers
// it forwards: the id the client sent, else the one the router's request-id
// middleware made for its own logs, so router and subgraph logs share it.
// The id is echoed to the client.
//
// It also ties SSE and multipart subscription streams to the router's
// shutdown: the router drains in-flight HTTP requests before it cancels
// subscriptions, so an open stream would otherwise hold shutdown for the
// whole grace period.
type requestModule struct {
	stopping context.Context
}

var (
	_ core.Module                 = (*requestModule)(nil)
	_ core.RouterOnRequestHandler = (*requestModule)(nil)
)

func (m *requestModule) Module() core.ModuleInfo {
	return core.ModuleInfo{
		ID: "platter_requests",
		// The router instantiates modules through New; hand it this one,
		// which knows when shutdown starts.
		New: func() core.Module { return m },
	}
}

func (m *requestModule) RouterOnRequest(ctx core.RequestContext, next http.Handler) {
	r := ctx.Request()
	id := r.Header.Get(httpserver.RequestIDHeader)
	if id == "" || len(id) > 128 {
		id = middleware.GetReqID(r.Context())
		if id == "" || len(id) > 128 {
			id = httpserver.NewRequestID()
		}
		r.Header.Set(httpserver.RequestIDHeader, id)
	}
	ctx.ResponseWriter().Header().Set(httpserver.RequestIDHeader, id)

	if isStream(r) {
		streamCtx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(m.stopping, cancel)
		defer stop()
		r = r.WithContext(streamCtx)
	}
	next.ServeHTTP(ctx.ResponseWriter(), r)
}

// isStream reports a request for a subscription over SSE or multipart.
func isStream(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "text/event-stream") || strings.Contains(accept, "multipart/mixed")
}
