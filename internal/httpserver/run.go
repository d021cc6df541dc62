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
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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

// RunService is Run for a service that exports no metrics of its own.
func RunService(ctx context.Context, name string, cfg config.HTTP, stdout io.Writer, open OpenFunc) error {
	return Run(ctx, name, cfg, stdout, func(ctx context.Context, env Env) (Service, error) {
		return open(ctx, env.Log)
	})
}

// Env is what Run hands the service it opens.
type Env struct {
	Log *slog.Logger
	// Metrics takes the service's Prometheus collectors (its broker
	// connection's, its outbox lag); Run serves them, with the Go runtime's
	// and the process's, at /metrics on the service's address.
	Metrics prometheus.Registerer
}

// OpenEnvFunc opens a service given its Env.
type OpenEnvFunc func(ctx context.Context, env Env) (Service, error)

// Run is the body of every subgraph binary's run: logger, metrics, open,
// listen, serve until ctx ends, close.
func Run(ctx context.Context, name string, cfg config.HTTP, stdout io.Writer, open OpenEnvFunc) error {
	log := logging.New(stdout, cfg.LogFormat, cfg.LogLevel).With("service", name)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	svc, err := open(ctx, Env{Log: log, Metrics: reg})
	if err != nil {
		return err
	}
	defer svc.Close()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/", svc)
	srv, err := Listen(cfg.Addr, mux, log)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", srv.Addr(), "graphql", srv.URL()+"/graphql", "metrics", srv.URL()+"/metrics")
	err = srv.Serve(ctx)
	log.Info("stopped")
	return err
}

// LagFunc reports how far behind a relay is: the age of its oldest event
// not yet published.
type LagFunc func(ctx context.Context) (time.Duration, error)

// OutboxLagGauge is the platter_outbox_lag_seconds gauge of a service's
// outbox, read when scraped; it reads -1 when the outbox cannot be read,
// so a dashboard tells "unknown" from "no lag".
func OutboxLagGauge(service string, lag LagFunc) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "platter_outbox_lag_seconds",
		Help:        "Age of the oldest event in the outbox not yet published, in seconds.",
		ConstLabels: prometheus.Labels{"service": service},
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		d, err := lag(ctx)
		if err != nil {
			return -1
		}
		return d.Seconds()
	})
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
