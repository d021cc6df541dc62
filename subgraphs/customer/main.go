// Command customer serves the customer subgraph: accounts, sessions and
// profiles, stored in MongoDB. Configuration comes from the environment
// (see .env.example).
package main

import (
	"context"
	"io"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events/rabbitmq"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/subgraphs/customer/service"
)

func main() { httpserver.Main("customer", run) }

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadCustomer(getenv)
	if err != nil {
		return err
	}
	return httpserver.Run(ctx, "customer", cfg.HTTP, stdout, func(ctx context.Context, env httpserver.Env) (httpserver.Service, error) {
		svc, err := service.Open(ctx, cfg, env.Log)
		if err != nil {
			return nil, err
		}
		return rabbitmq.Attach(ctx, env, "customer", cfg.AMQPURL, svc,
			"customer events wait in the outbox, and no events are consumed (the product replica stays as it is)")
	})
}
