// Package service wires the vendor subgraph: Mongo store, Redis cache,
// vendor profile rules and GraphQL handler. The binary and the all-in-one
// launcher both open it.
package service

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/gqlsrv"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/storage/redisdb"
	"github.com/platterhq/platter/subgraphs/vendorsvc/graph"
	"github.com/platterhq/platter/subgraphs/vendorsvc/mongostore"
	"github.com/platterhq/platter/subgraphs/vendorsvc/rediscache"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// cachePrefix names the cache's keys; the version changes with the cached
// format, so that a deployment never reads another's entries.
const cachePrefix = "platter:vendor:v1:"

// Service is an opened vendor subgraph.
type Service struct {
	http.Handler // the GraphQL endpoint and /healthz
	Vendors      *vendorprofile.Service
	close        func()
}

// Open connects the store and the cache, runs migrations and builds the
// handler. Redis being down is no reason to fail: the service starts
// uncached and says so in its log and on /healthz.
func Open(ctx context.Context, cfg config.Vendor, log *slog.Logger) (*Service, error) {
	keys, err := auth.LoadKeySet(cfg.SigningKeyPEM, cfg.PublicKeysPEM)
	if err != nil {
		return nil, err
	}
	cache, err := redisdb.Open(cfg.RedisURL)
	if err != nil {
		return nil, err
	}
	client, err := mongodb.Connect(ctx, cfg.URI)
	if err != nil {
		_ = cache.Close()
		return nil, err
	}
	closeAll := func() {
		_ = cache.Close()
		_ = client.Disconnect(context.Background())
	}
	db := client.Database(cfg.Database)
	if err := mongostore.Migrate(ctx, db); err != nil {
		closeAll()
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	if err := redisdb.Ping(pingCtx, cache); err != nil {
		log.WarnContext(ctx, "vendor cache unreachable at start; serving uncached until it answers", "error", err.Error())
	}
	cancel()

	vendors := vendorprofile.NewService(rediscache.New(mongostore.New(db), cache, cachePrefix, cfg.CacheTTL, log))
	schema := graph.NewSchema(graph.Deps{Vendors: vendors, Log: log})
	h := gqlsrv.NewHandler(schema, keys, log, gqlsrv.Options{},
		httpserver.Check{
			Name:  "mongodb",
			Probe: func(ctx context.Context) error { return client.Ping(ctx, nil) },
		},
		httpserver.Check{
			Name:     "redis",
			Optional: true, // reads fall back to MongoDB
			Probe:    func(ctx context.Context) error { return redisdb.Ping(ctx, cache) },
		},
	)
	return &Service{Handler: h, Vendors: vendors, close: closeAll}, nil
}

var _ httpserver.Service = (*Service)(nil)

// Close releases the store and cache connections.
func (s *Service) Close() { s.close() }
