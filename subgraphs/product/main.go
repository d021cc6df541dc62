// Command product serves the product subgraph: vendors' menu items, stored
// in SQL (MySQL in services mode, SQLite in dev mode). Configuration comes
// from the environment (see .env.example).
package main

import (
	"context"
	"io"
	"log/slog"

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
	return httpserver.RunService(ctx, "product", cfg.HTTP, stdout, func(ctx context.Context, log *slog.Logger) (httpserver.Service, error) {
		svc, err := service.Open(ctx, cfg, log)
		if err != nil {
			return nil, err
		}
		if cfg.AMQPURL == "" {
			log.Warn("AMQP_URL is not set: product events wait in the outbox until a broker is configured")
			return svc, nil
		}
		bus, err := rabbitmq.New(ctx, cfg.AMQPURL, rabbitmq.WithName("product"), rabbitmq.WithLogger(log))
		if err != nil {
			svc.Close()
			return nil, err
		}
		if err := svc.Start(ctx, bus); err != nil {
			svc.Close()
			_ = bus.Close()
			return nil, err
		}
		return httpserver.WithCloser(svc, func() { _ = bus.Close() }), nil
	})
}
