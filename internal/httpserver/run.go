package httpserver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/logging"
)

// RunFunc is a binary's run: everything main does, given the environment
// and stdout, until ctx ends. Tests start the binary in-process through it.
type RunFunc func(ctx context.Context, getenv func(string) string, stdout io.Writer) error

// Main is the whole of a binary's main: it calls run with the process's
// environment, stdout and a context that ends at SIGINT or SIGTERM, and
// exits 1 with "name: error" on stderr if run fails.
func Main(name string, run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Service is an opened service: it serves HTTP until Close releases what it
// opened.
type Service interface {
	http.Handler
	Close()
}

// OpenFunc opens a service once its logger exists.
type OpenFunc func(ctx context.Context, log *slog.Logger) (Service, error)

// RunService is the body of every subgraph binary's run: logger, open,
// listen, serve until ctx ends, close.
func RunService(ctx context.Context, name string, cfg config.HTTP, stdout io.Writer, open OpenFunc) error {
	log := logging.New(stdout, cfg.LogFormat, cfg.LogLevel).With("service", name)
	svc, err := open(ctx, log)
	if err != nil {
		return err
	}
	defer svc.Close()
	srv, err := Listen(cfg.Addr, svc, log)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", srv.Addr(), "graphql", srv.URL()+"/graphql")
	err = srv.Serve(ctx)
	log.Info("stopped")
	return err
}

// WithCloser returns svc with then run after its own Close (a broker
// connection the service uses, say).
func WithCloser(svc Service, then func()) Service { return withCloser{svc, then} }

type withCloser struct {
	Service
	then func()
}

func (w withCloser) Close() {
	w.Service.Close()
	w.then()
}
