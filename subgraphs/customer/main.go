// Command customer serves the customer subgraph: accounts, sessions and
// profiles, stored in MongoDB. Configuration comes from the environment
// (see .env.example).
package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/subgraphs/customer/service"
)

func main() { httpserver.Main("customer", run) }

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadCustomer(getenv)
	if err != nil {
		return err
	}
	return httpserver.RunService(ctx, "customer", cfg.HTTP, stdout, func(ctx context.Context, log *slog.Logger) (httpserver.Service, error) {
		return service.Open(ctx, cfg, log)
	})
}
