// Command shopping serves the shopping subgraph: orders, stored in
// PostgreSQL (any DATABASE_URL bun supports). Configuration comes from the
// environment (see .env.example).
package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/subgraphs/shopping/service"
)

func main() { httpserver.Main("shopping", run) }

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadShopping(getenv)
	if err != nil {
		return err
	}
	return httpserver.RunService(ctx, "shopping", cfg.HTTP, stdout, func(ctx context.Context, log *slog.Logger) (httpserver.Service, error) {
		return service.Open(ctx, cfg, log)
	})
}
