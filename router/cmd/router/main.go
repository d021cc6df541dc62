// Command router serves Platter's supergraph in services mode: the Cosmo
// router in front of the seven subgraphs, configured by environment (see
// .env.example and router.LoadConfig).
package main

import (
	"context"
	"io"

	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/router"
)

func main() { httpserver.Main("router", run) }

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
