// Package service wires the vendor subgraph: Mongo store with its outbox,
// Redis cache, vendor rules, event handlers and GraphQL handler. The binary
// and the all-in-one launcher both open it.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/auth/authmongo"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/mongoevents"
	"github.com/platterhq/platter/internal/gqlsrv"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/storage/redisdb"
	"github.com/platterhq/platter/subgraphs/vendorsvc/consumers"
	"github.com/platterhq/platter/subgraphs/vendorsvc/dashboard"
	"github.com/platterhq/platter/subgraphs/vendorsvc/dashboardstore"
	"github.com/platterhq/platter/subgraphs/vendorsvc/graph"
	"github.com/platterhq/platter/subgraphs/vendorsvc/mongostore"
	"github.com/platterhq/platter/subgraphs/vendorsvc/rediscache"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// cachePrefix names the cache's keys; the version changes with the cached
// format, so that a deployment never reads another's entries.
const cachePrefix = "platter:vendor:v2:"

// Service is an opened vendor subgraph.
type Service struct {
	http.Handler // the GraphQL endpoint and /healthz
	Vendors      *vendorprofile.Service

	log         *slog.Logger
	store       *mongostore.Store
	locks       *mongoevents.Locks
	vendorsColl *mongo.Collection
	close       func()

	mux events.Mux // the handlers Start subscribes, by event type

	mu      sync.Mutex
	started bool
	relay   *mongoevents.Relay // set by Start
	running sync.WaitGroup
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
	if err := dashboardstore.Migrate(ctx, db); err != nil {
		closeAll()
		return nil, err
	}
	sessions, err := authmongo.New(ctx, db.Collection("sessions"))
	if err != nil {
		closeAll()
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	if err := redisdb.Ping(pingCtx, cache); err != nil {
		log.WarnContext(ctx, "vendor cache unreachable at start; serving uncached until it answers", "error", err.Error())
	}
	cancel()

	// One Locks for the store and the relay: the embedded server needs the
	// writes to each vendor document serialised (mongoevents.Locks).
	locks := &mongoevents.Locks{}
	store := mongostore.New(db, locks)
	cached := rediscache.New(store, cache, cachePrefix, cfg.CacheTTL, log)
	vendors := vendorprofile.NewService(cached, cached, auth.NewSessions(keys, sessions, cfg.AccessTTL, cfg.RefreshTTL), log)
	dash := dashboard.NewService(dashboardstore.New(db))
	schema := graph.NewSchema(graph.Deps{Vendors: vendors, Dashboard: dash, Log: log})
	h := gqlsrv.NewHandler(schema, keys, log, gqlsrv.Options{},
		httpserver.Check{
			Name:  "mongodb",
			Probe: func(ctx context.Context) error { return client.Ping(ctx, nil) },
		},
		httpserver.Check{
			Name:     "redis",
			Optional: true, // reads fall back to MongoDB
			Probe: func(ctx context.Context) error {
				if err := redisdb.Ping(ctx, cache); err != nil {
					return fmt.Errorf("%w; serving uncached from MongoDB", err)
				}
				return cached.Status()
			},
		},
	)
	// One subscriber, "vendor", takes the profile's events and the
	// dashboard's: the two sets must not share a type.
	mux := consumers.Handlers(vendors)
	for typ, handler := range dash.Handlers() {
		if _, dup := mux[typ]; dup {
			closeAll()
			return nil, fmt.Errorf("vendor service: %s has two handlers", typ)
		}
		mux[typ] = handler
	}
	return &Service{
		Handler: h, Vendors: vendors, log: log, store: store, locks: locks,
		vendorsColl: db.Collection(mongostore.Collection), mux: mux, close: closeAll,
	}, nil
}

var _ httpserver.Service = (*Service)(nil)

// Start publishes the events the vendor documents hold, and every new one,
// on bus, and subscribes the vendor and dashboard handlers under "vendor",
// all until ctx ends; Close waits for the relay.
func (s *Service) Start(ctx context.Context, bus events.Bus) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("vendor service: started twice")
	}
	s.started = true
	relay := mongoevents.NewRelay(bus, mongoevents.Options{Locks: s.locks, Logger: s.log}, s.vendorsColl)
	s.relay = relay
	s.mu.Unlock()
	s.store.OnWrite(relay.Notify)
	s.running.Go(func() {
		if err := relay.Run(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "vendor outbox relay stopped", "error", err)
		}
	})
	// Eight lanes: order and review events for different subjects are
	// handled side by side; each projection document is written under its
	// own lock, and one subject's events stay in order.
	if err := events.SubscribeConcurrent(ctx, bus, consumers.Subscriber, 8, s.mux.Handle, s.mux.Types()...); err != nil {
		return fmt.Errorf("subscribe vendor handlers: %w", err)
	}
	return nil
}

// OutboxLag is the age of the oldest vendor event not published yet. Call
// it after Start.
func (s *Service) OutboxLag(ctx context.Context) (time.Duration, error) {
	s.mu.Lock()
	relay := s.relay
	s.mu.Unlock()
	if relay == nil {
		return 0, errors.New("vendor events are not started")
	}
	return relay.Lag(ctx)
}

// Close waits for the relay (its context must have ended) and releases the
// store and cache connections.
func (s *Service) Close() {
	s.running.Wait()
	s.close()
}
