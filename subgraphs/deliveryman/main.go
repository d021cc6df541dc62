// Command deliveryman serves the deliveryman subgraph: couriers and their
// availability, stored in SQL (MySQL in services mode, SQLite in dev mode).
// Configuration comes from the environment (see .env.example).
package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/subgraphs/deliveryman/service"
)

func main() { httpserver.Main("deliveryman", run) }

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadDeliveryman(getenv)
	if err != nil {
		return err
	}
	return httpserver.RunService(ctx, "deliveryman", cfg.HTTP, stdout, func(ctx context.Context, log *slog.Logger) (httpserver.Service, error) {
		return service.Open(ctx, cfg, log)
	})
}
