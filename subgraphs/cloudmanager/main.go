// Command cloudmanager serves the cloudmanager subgraph: uploaded images and
// their metadata, kept in a Google Cloud Storage bucket (or an emulator),
// and geocoding. Configuration comes from the environment (see
// .env.example).
package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events/rabbitmq"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/subgraphs/cloudmanager/service"
)

func main() { httpserver.Main("cloudmanager", run) }

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadCloudmanager(getenv)
	if err != nil {
		return err
	}
	return httpserver.RunService(ctx, "cloudmanager", cfg.HTTP, stdout, func(ctx context.Context, log *slog.Logger) (httpserver.Service, error) {
		svc, err := service.Open(ctx, cfg, log)
		if err != nil {
			return nil, err
		}
		if cfg.AMQPURL == "" {
			log.Warn("AMQP_URL is not set: asset events wait in the bucket's outbox and geocoding requests go unanswered until a broker is configured")
			return svc, nil
		}
		bus, err := rabbitmq.New(ctx, cfg.AMQPURL, rabbitmq.WithName("cloudmanager"), rabbitmq.WithLogger(log))
		if err != nil {
			svc.Close()
			return nil, err
		}
		if err := svc.Start(ctx, bus); err != nil {
			_ = bus.Close()
			svc.Close()
			return nil, err
		}
		return httpserver.WithCloser(svc, func() { _ = bus.Close() }), nil
	})
}
