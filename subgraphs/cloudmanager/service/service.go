// Package service wires the cloudmanager subgraph: image bucket, URL
// signing, asset rules, geocoding, events and GraphQL handler. The binary
// and the all-in-one launcher both open it.
package service

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/blob"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/gqlsrv"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/internal/storage/redisdb"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
	"github.com/platterhq/platter/subgraphs/cloudmanager/consumers"
	"github.com/platterhq/platter/subgraphs/cloudmanager/gcsstore"
	"github.com/platterhq/platter/subgraphs/cloudmanager/geocode"
	"github.com/platterhq/platter/subgraphs/cloudmanager/georedis"
	"github.com/platterhq/platter/subgraphs/cloudmanager/googlemaps"
	"github.com/platterhq/platter/subgraphs/cloudmanager/graph"
)

// Redis key prefixes; the version changes with the stored format, so that
// a deployment never reads another's entries.
const (
	geocodeCachePrefix = "platter:cloudmanager:geocode:v1:"
	geocodeQuotaPrefix = "platter:cloudmanager:geoquota:v1:"
)

// SweepInterval is how often uploads that can no longer be confirmed are
// removed.
const SweepInterval = 5 * time.Minute

// Service is an opened cloudmanager subgraph.
type Service struct {
	http.Handler // the GraphQL endpoint and /healthz
	Assets       *asset.Service
	Geocoder     *geocode.Service
	signer       *blob.Signer
	outbox       *gcsstore.Outbox
	log          *slog.Logger
	close        func()

	mu      sync.Mutex
	stop    []context.CancelFunc // what Start started
	running sync.WaitGroup
}

// Open connects to the bucket and Redis, checks the bucket answers, loads
// the URL signing key and builds the handler. Redis being down is no
// reason to fail: geocoding then runs uncached.
func Open(ctx context.Context, cfg config.Cloudmanager, log *slog.Logger) (*Service, error) {
	keys, err := auth.LoadKeySet(cfg.SigningKeyPEM, cfg.PublicKeysPEM)
	if err != nil {
		return nil, err
	}
	signer, err := loadSigner(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	bucket, closeBucket, err := blob.OpenBucket(ctx, cfg.GCSEndpoint, cfg.GCSBucket)
	if err != nil {
		return nil, err
	}
	closers := []func(){func() { _ = closeBucket() }}
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	store := gcsstore.New(bucket)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := store.Ping(pingCtx); err != nil {
		closeAll()
		return nil, fmt.Errorf("GCS_BUCKET %q: %w", cfg.GCSBucket, err)
	}
	outbox := gcsstore.NewOutbox(bucket, gcsstore.OutboxOptions{Logger: log})
	assets := asset.NewService(asset.Deps{
		Store:   store,
		Objects: gcsstore.NewObjects(bucket),
		Signer:  signer.ForBucket(bucket, cfg.GCSEndpoint),
		Outbox:  outbox,
		Limits:  asset.Limits{MaxBytes: cfg.AssetMaxBytes, URLTTL: cfg.AssetURLTTL, UploadURLTTL: cfg.AssetUploadURLTTL},
	})

	geocoder, checks, closeRedis, err := openGeocoder(ctx, cfg, log)
	if err != nil {
		closeAll()
		return nil, err
	}
	closers = append(closers, closeRedis)

	schema := graph.NewSchema(graph.Deps{Assets: assets, Geocoder: geocoder, Log: log})
	checks = append([]httpserver.Check{{Name: "gcs", Probe: store.Ping}}, checks...)
	h := gqlsrv.NewHandler(schema, keys, log, gqlsrv.Options{
		// Room above the image limit, so that a file a little too large
		// gets the resolver's clear INVALID_INPUT rather than the
		// transport's refusal.
		MaxUploadBytes: 2*assets.Limits().MaxBytes + 1<<20,
	}, checks...)

	sweepCtx, stopSweeping := context.WithCancel(context.WithoutCancel(ctx))
	var sweeping sync.WaitGroup
	sweeping.Go(func() { sweep(sweepCtx, assets, log) })
	closers = append(closers, func() { stopSweeping(); sweeping.Wait() })

	return &Service{Handler: h, Assets: assets, Geocoder: geocoder, signer: signer, outbox: outbox, log: log, close: closeAll}, nil
}

var _ httpserver.Service = (*Service)(nil)

// Start publishes the asset events the outbox holds, and every new one, on
// bus, and answers geocoding requests from bus (subscribed as
// consumers.Subscriber), until ctx ends or Close.
func (s *Service) Start(ctx context.Context, bus events.Bus) error {
	ctx, cancel := context.WithCancel(ctx)
	if err := consumers.Subscribe(ctx, bus, s.Geocoder); err != nil {
		cancel()
		return fmt.Errorf("subscribe cloudmanager consumers: %w", err)
	}
	s.mu.Lock()
	s.stop = append(s.stop, cancel)
	s.mu.Unlock()
	s.running.Go(func() {
		if err := s.outbox.Run(ctx, bus); err != nil {
			s.log.ErrorContext(ctx, "outbox relay stopped", "error", err.Error())
		}
	})
	return nil
}

// OutboxPending counts the asset events not published yet.
func (s *Service) OutboxPending(ctx context.Context) (int, error) { return s.outbox.Pending(ctx) }

// OutboxLag is the age of the oldest asset event not published yet.
func (s *Service) OutboxLag(ctx context.Context) (time.Duration, error) { return s.outbox.Lag(ctx) }

// Close stops what Start started and waits for it, then stops the sweeper
// and releases the storage and Redis clients.
func (s *Service) Close() {
	s.mu.Lock()
	for _, stop := range s.stop {
		stop()
	}
	s.mu.Unlock()
	s.running.Wait()
	s.close()
}

// SigningKeys are the keys that verify the URLs the service signs, by
// service account: for tests, and for an emulator told to check them.
func (s *Service) SigningKeys() map[string]*rsa.PublicKey {
	return map[string]*rsa.PublicKey{s.signer.AccessID(): s.signer.PublicKey()}
}

// loadSigner finds the key that signs image URLs: the configured one, the
// service account key file, or (against an emulator only) a fresh one.
func loadSigner(ctx context.Context, cfg config.Cloudmanager, log *slog.Logger) (*blob.Signer, error) {
	switch {
	case cfg.GCSSigningKeyPEM != "":
		s, err := blob.ParseSigner(cfg.GCSSignerEmail, []byte(cfg.GCSSigningKeyPEM))
		if err != nil {
			return nil, fmt.Errorf("GCS_SIGNING_KEY: %w", err)
		}
		return s, nil
	case cfg.GoogleCredentialsFile != "":
		s, err := blob.SignerFromCredentialsFile(cfg.GoogleCredentialsFile)
		if err != nil {
			return nil, fmt.Errorf("GOOGLE_APPLICATION_CREDENTIALS: %w", err)
		}
		return s, nil
	case cfg.GCSEndpoint != "":
		log.InfoContext(ctx, "signing image URLs with a key generated at start: the storage emulator checks no signatures", "gcs_endpoint", cfg.GCSEndpoint)
		return blob.GenerateSigner(blob.DevAccessID)
	}
	return nil, errors.New("image URLs need a signing key: set GOOGLE_APPLICATION_CREDENTIALS to a service account's JSON key file, or GCS_SIGNER_EMAIL and GCS_SIGNING_KEY")
}

// openGeocoder builds geocoding: Google Maps when a key is configured (the
// demo table in front of it in dev mode), Redis for the cache and quota
// when configured.
func openGeocoder(ctx context.Context, cfg config.Cloudmanager, log *slog.Logger) (*geocode.Service, []httpserver.Check, func(), error) {
	var upstream geocode.Upstream = geocode.NotConfiguredUpstream{}
	if cfg.GoogleMapsAPIKey != "" {
		g, err := googlemaps.New(cfg.GoogleMapsAPIKey, cfg.GoogleMapsBaseURL)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("GOOGLE_MAPS_API_KEY: %w", err)
		}
		upstream = g
	} else {
		log.WarnContext(ctx, "geocoding is not configured: geocode answers UNAVAILABLE, and geocoding requests are answered not found, until GOOGLE_MAPS_API_KEY is set")
	}
	if cfg.DemoGeocoder {
		demo := geocode.DemoUpstream{}
		if cfg.GoogleMapsAPIKey != "" {
			demo.Next = upstream
		}
		upstream = demo
	}
	deps := geocode.Deps{
		Upstream: upstream, CacheTTL: cfg.GeocodeCacheTTL,
		Quota: &geocode.LocalQuota{Limit: cfg.GeocodeQuota, Window: time.Minute},
	}
	if cfg.RedisURL == "" {
		log.WarnContext(ctx, "geocoding answers are not cached and quotas are counted per process: REDIS_URL is not set")
		return geocode.NewService(deps), nil, func() {}, nil
	}
	client, err := redisdb.Open(cfg.RedisURL)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	if err := redisdb.Ping(pingCtx, client); err != nil {
		log.WarnContext(ctx, "redis unreachable at start; geocoding runs uncached until it answers", "error", err.Error())
	}
	cancel()
	deps.Cache = georedis.NewCache(client, geocodeCachePrefix, log)
	deps.Quota = georedis.NewQuota(client, geocodeQuotaPrefix, cfg.GeocodeQuota, time.Minute, log)
	check := httpserver.Check{
		Name:     "redis",
		Optional: true, // geocoding goes on uncached
		Probe:    func(ctx context.Context) error { return redisdb.Ping(ctx, client) },
	}
	return geocode.NewService(deps), []httpserver.Check{check}, func() { _ = client.Close() }, nil
}

// sweep removes abandoned uploads now and every SweepInterval until ctx
// ends. Every replica sweeps; removing what is already gone is no error.
func sweep(ctx context.Context, assets *asset.Service, log *slog.Logger) {
	t := time.NewTicker(SweepInterval)
	defer t.Stop()
	for {
		pending, staged, err := assets.SweepUploads(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.WarnContext(ctx, "sweeping abandoned uploads failed", "error", err.Error())
		case pending+staged > 0:
			log.InfoContext(ctx, "swept abandoned uploads", "pending", pending, "staged_objects", staged)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
