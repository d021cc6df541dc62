// Package gqlsrv builds the GraphQL HTTP handler every subgraph serves: the
// transports the router speaks, one error presenter that turns apperr codes
// into extensions.code, panic recovery, the @auth directive and /healthz.
package gqlsrv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/httpserver"
)

// Options tune a subgraph's GraphQL handler.
type Options struct {
	// MaxUploadBytes caps a multipart request (default 10 MiB).
	MaxUploadBytes int64
	// ComplexityLimit rejects operations above this complexity (default 1000).
	ComplexityLimit int
}

// NewHandler serves es on POST, GET, multipart, WebSocket
// (graphql-transport-ws and graphql-ws) and SSE, verifying bearer tokens with
// keys. Health checks are served on /healthz, GraphQL on /graphql.
func NewHandler(es graphql.ExecutableSchema, keys *auth.KeySet, log *slog.Logger, opts Options, checks ...httpserver.Check) http.Handler {
	if opts.MaxUploadBytes == 0 {
		opts.MaxUploadBytes = 10 << 20
	}
	if opts.ComplexityLimit == 0 {
		opts.ComplexityLimit = 1000
	}
	srv := handler.New(es)
	srv.AddTransport(transport.Websocket{
		KeepAlivePingInterval: 10 * time.Second,
		InitFunc:              websocketAuth(keys),
	})
	srv.AddTransport(transport.SSE{}) // before POST: it claims POSTs that accept text/event-stream
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: opts.MaxUploadBytes, MaxMemory: 1 << 20})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	srv.Use(extension.FixedComplexityLimit(opts.ComplexityLimit))
	srv.SetErrorPresenter(ErrorPresenter(log))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return errors.New("panic in resolver")
	})

	mux := http.NewServeMux()
	mux.Handle("/graphql", auth.Middleware(keys, srv))
	mux.Handle("/healthz", httpserver.Health(checks...))
	return httpserver.WithRequestID(auth.WithClientAddr(httpserver.Recover(log, mux)))
}

// websocketAuth takes the bearer token from the connection_init payload
// when the upgrade request carried none.
func websocketAuth(keys *auth.KeySet) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		if _, ok := auth.FromContext(ctx); ok {
			return ctx, &payload, nil
		}
		h := payload.Authorization()
		if h == "" {
			if v, ok := payload["Authorization"].(string); ok {
				h = v
			}
		}
		if h == "" {
			return ctx, &payload, nil
		}
		var out context.Context
		probe := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { out = r.Context() })
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
		req.Header.Set("Authorization", h)
		auth.Middleware(keys, probe).ServeHTTP(nil, req)
		return out, &payload, nil
	}
}

// ErrorPresenter maps apperr errors to their code (and field), keeps
// gqlgen's own validation errors, and hides everything else as INTERNAL
// "internal error", logging the cause.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var path ast.Path
		if fc := graphql.GetFieldContext(ctx); fc != nil {
			path = fc.Path()
		}
		if ae, ok := apperr.As(err); ok && ae.Code != apperr.Internal {
			ext := map[string]any{"code": string(ae.Code)}
			if ae.Field != "" {
				ext["field"] = ae.Field
			}
			msg := ae.Message
			if ae.Field != "" {
				msg = ae.Field + ": " + ae.Message
			}
			return &gqlerror.Error{Message: msg, Path: path, Extensions: ext}
		}
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Err == nil {
			return gqlErr // parse, validation and coercion errors made by gqlgen
		}
		log.ErrorContext(ctx, "resolver failed", "error", err.Error(), "path", path.String())
		return &gqlerror.Error{Message: "internal error", Path: path, Extensions: map[string]any{"code": string(apperr.Internal)}}
	}
}

// Auth implements the schema directive
//
//	directive @auth(roles: [Role!]) on FIELD_DEFINITION
//
// A field marked @auth needs a verified caller holding one of roles (any
// caller when roles is empty).
func Auth(ctx context.Context, _ any, next graphql.Resolver, roles []auth.Role) (any, error) {
	if _, err := auth.RequireRole(ctx, roles...); err != nil {
		return nil, err
	}
	return next(ctx)
}
