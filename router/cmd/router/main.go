// Command router serves Platter's supergraph in services mode: the Cosmo
// router in front of the seven subgraphs, configured by environment (see
// .env.example and router.LoadConfig).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/router"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := router.LoadConfig(getenv)
	if err != nil {
		return err
	}
	log := logging.New(stdout, cfg.LogFormat, cfg.LogLevel).With("service", "router")
	r, err := router.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	return r.Serve(ctx)
}
