// Command vendor serves the vendor subgraph: vendor accounts and profiles
// stored in MongoDB behind a Redis read-through cache. Configuration comes
// from the environment (see .env.example).
package main

import (
	"context"
	"io"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events/rabbitmq"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/subgraphs/vendorsvc/service"
)

func main() { httpserver.Main("vendor", run) }

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadVendor(getenv)
	if err != nil {
		return err
	}
	return httpserver.Run(ctx, "vendor", cfg.HTTP, stdout, func(ctx context.Context, env httpserver.Env) (httpserver.Service, error) {
		svc, err := service.Open(ctx, cfg, env.Log)
		if err != nil {
			return nil, err
		}
		return rabbitmq.Attach(ctx, env, "vendor", cfg.AMQPURL, svc,
			"vendor events wait in the vendor documents until a broker is configured")
	})
}
