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
		log := env.Log
		svc, err := service.Open(ctx, cfg, log)
		if err != nil {
			return nil, err
		}
		if cfg.AMQPURL == "" {
			log.Warn("AMQP_URL is not set: customer events wait in the outbox, and no events are consumed (the product replica stays as it is)")
			return svc, nil
		}
		bus, err := rabbitmq.New(ctx, cfg.AMQPURL, rabbitmq.WithName("customer"), rabbitmq.WithLogger(log), rabbitmq.WithMetrics(env.Metrics))
		if err != nil {
			svc.Close()
			return nil, err
		}
		if err := svc.Start(ctx, bus); err != nil {
			_ = bus.Close()
			svc.Close()
			return nil, err
		}
		env.Metrics.MustRegister(httpserver.OutboxLagGauge("customer", svc.OutboxLag))
		return httpserver.WithCloser(svc, func() { _ = bus.Close() }), nil
	})
}
