package httpserver

import (
	"context"
	"io"
	"log/slog"
	"net/http"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/logging"
)

// OpenFunc builds a service's handler once its logger exists; the returned
// close function releases what it opened.
type OpenFunc func(ctx context.Context, log *slog.Logger) (http.Handler, func(), error)

// RunService is the body of every subgraph binary's run: logger, open,
// listen, serve until ctx ends, close.
func RunService(ctx context.Context, name string, cfg config.HTTP, stdout io.Writer, open OpenFunc) error {
	log := logging.New(stdout, cfg.LogFormat, cfg.LogLevel).With("service", name)
	h, closeFn, err := open(ctx, log)
	if err != nil {
		return err
	}
	defer closeFn()
	srv, err := Listen(cfg.Addr, h, log)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", srv.Addr(), "graphql", srv.URL()+"/graphql")
	err = srv.Serve(ctx)
	log.Info("stopped")
	return err
}
