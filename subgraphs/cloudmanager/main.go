// Command cloudmanager serves the cloudmanager subgraph: uploaded images and
// their metadata, kept in a Google Cloud Storage bucket (or an emulator).
// Configuration comes from the environment (see .env.example).
package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/platterhq/platter/internal/config"
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
		return service.Open(ctx, cfg, log)
	})
}
