// Package service wires the cloudmanager subgraph: image bucket, asset
// rules and GraphQL handler. The binary and the all-in-one launcher both
// open it.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/blob"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/gqlsrv"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
	"github.com/platterhq/platter/subgraphs/cloudmanager/gcsstore"
	"github.com/platterhq/platter/subgraphs/cloudmanager/graph"
)

// Service is an opened cloudmanager subgraph.
type Service struct {
	http.Handler // the GraphQL endpoint and /healthz
	Assets       *asset.Service
	close        func()
}

// Open connects to the bucket, checks it answers and builds the handler.
func Open(ctx context.Context, cfg config.Cloudmanager, log *slog.Logger) (*Service, error) {
	keys, err := auth.LoadKeySet(cfg.SigningKeyPEM, cfg.PublicKeysPEM)
	if err != nil {
		return nil, err
	}
	bucket, closeBucket, err := blob.OpenBucket(ctx, cfg.GCSEndpoint, cfg.GCSBucket)
	if err != nil {
		return nil, err
	}
	closeAll := func() { _ = closeBucket() }
	store := gcsstore.New(bucket)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := store.Ping(pingCtx); err != nil {
		closeAll()
		return nil, fmt.Errorf("GCS_BUCKET %q: %w", cfg.GCSBucket, err)
	}
	assets := asset.NewService(store)
	schema := graph.NewSchema(graph.Deps{Assets: assets, Log: log})
	h := gqlsrv.NewHandler(schema, keys, log, gqlsrv.Options{}, httpserver.Check{
		Name:  "gcs",
		Probe: store.Ping,
	})
	return &Service{Handler: h, Assets: assets, close: closeAll}, nil
}

var _ httpserver.Service = (*Service)(nil)

// Close releases the storage client.
func (s *Service) Close() { s.close() }
