// Command product serves the product subgraph: vendors' menu items, stored
// in SQL (MySQL in services mode, SQLite in dev mode). Configuration comes
// from the environment (see .env.example).
package main

import (
	"context"
	"io"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events/rabbitmq"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/subgraphs/product/service"
)

func main() { httpserver.Main("product", run) }

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadProduct(getenv)
	if err != nil {
		return err
	}
	return httpserver.Run(ctx, "product", cfg.HTTP, stdout, func(ctx context.Context, env httpserver.Env) (httpserver.Service, error) {
		svc, err := service.Open(ctx, cfg, env.Log)
		if err != nil {
			return nil, err
		}
		return rabbitmq.Attach(ctx, env, "product", cfg.AMQPURL, svc,
			"product events wait in the outbox until a broker is configured")
	})
}
