// Command vendor serves the vendor subgraph: vendor profiles stored in
// MongoDB behind a Redis read-through cache. Configuration comes from the
// environment (see .env.example).
package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/subgraphs/vendorsvc/service"
)

func main() { httpserver.Main("vendor", run) }

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadVendor(getenv)
	if err != nil {
		return err
	}
	return httpserver.RunService(ctx, "vendor", cfg.HTTP, stdout, func(ctx context.Context, log *slog.Logger) (httpserver.Service, error) {
		return service.Open(ctx, cfg, log)
	})
}
