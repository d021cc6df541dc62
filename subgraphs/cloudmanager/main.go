// Command cloudmanager serves the cloudmanager subgraph: uploaded images and
// their metadata, kept in a Google Cloud Storage bucket (or an emulator),
// and geocoding. Configuration comes from the environment (see
// .env.example).
package main

import (
	"context"
	"io"

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
	return httpserver.Run(ctx, "cloudmanager", cfg.HTTP, stdout, func(ctx context.Context, env httpserver.Env) (httpserver.Service, error) {
		svc, err := service.Open(ctx, cfg, env.Log)
		if err != nil {
			return nil, err
		}
		return rabbitmq.Attach(ctx, env, "cloudmanager", cfg.AMQPURL, svc,
			"asset events wait in the bucket's outbox and geocoding requests go unanswered until a broker is configured")
	})
}
