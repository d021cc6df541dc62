// Command cloudmanager serves the cloudmanager subgraph: uploaded images and
// their metadata, kept in a Google Cloud Storage bucket (or an emulator).
// Configuration comes from the environment (see .env.example).
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/subgraphs/cloudmanager/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cloudmanager:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadCloudmanager(getenv)
	if err != nil {
		return err
	}
	return httpserver.RunService(ctx, "cloudmanager", cfg.HTTP, stdout, func(ctx context.Context, log *slog.Logger) (http.Handler, func(), error) {
		svc, err := service.Open(ctx, cfg, log)
		if err != nil {
			return nil, nil, err
		}
		return svc.Handler, svc.Close, nil
	})
}
