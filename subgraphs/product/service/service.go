// Package service wires the product subgraph: SQL store, catalog rules,
// event consumers and GraphQL handler. The binary and the all-in-one launcher both open it.
package service

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/uptrace/bun"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/outbox"
	"github.com/platterhq/platter/internal/gqlsrv"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/subgraphs/product/catalog"
	"github.com/platterhq/platter/subgraphs/product/consumers"
	"github.com/platterhq/platter/subgraphs/product/graph"
	"github.com/platterhq/platter/subgraphs/product/sqlstore"
)

// Service is an opened product subgraph.
type Service struct {
	http.Handler // the GraphQL endpoint and /healthz
	Catalog      *catalog.Service
	db           *bun.DB
	store        *sqlstore.Store
	log          *slog.Logger
	relay        *outbox.Relay
	relayDone    chan struct{}
	close        func()
}

// Open connects the store, runs migrations and builds the handler.
func Open(ctx context.Context, cfg config.Product, log *slog.Logger) (*Service, error) {
	keys, err := auth.LoadKeySet(cfg.SigningKeyPEM, cfg.PublicKeysPEM)
	if err != nil {
		return nil, err
	}
	db, err := sqldb.OpenMigrated(ctx, cfg.URL, sqlstore.Migrations())
	if err != nil {
		return nil, err
	}
	store := sqlstore.New(db)
	products := catalog.NewService(store, log)
	schema := graph.NewSchema(graph.Deps{Catalog: products, Log: log})
	h := gqlsrv.NewHandler(schema, keys, log, gqlsrv.Options{}, httpserver.Check{
		Name:  "database",
		Probe: db.PingContext,
	})
	return &Service{Handler: h, Catalog: products, db: db, store: store, log: log, close: func() { _ = db.Close() }}, nil
}

// Start publishes the product events the outbox holds, and every new one,
// on bus, and subscribes the product consumers (as consumers.Subscriber),
// until ctx ends; Close waits for the relay to stop.
func (s *Service) Start(ctx context.Context, bus events.Bus) error {
	relay := outbox.NewRelay(s.db, bus, outbox.Options{Logger: s.log})
	s.relay = relay
	s.store.OnCommit(relay.Notify)
	// Consumers before the relay runs: if they cannot subscribe, nothing is
	// left running. What they publish meanwhile waits in the outbox for the
	// relay's first round.
	if err := consumers.Subscribe(ctx, bus, s.Catalog, s.store); err != nil {
		return err
	}
	s.relayDone = make(chan struct{})
	go func() {
		defer close(s.relayDone)
		if err := relay.Run(ctx); err != nil {
			s.log.ErrorContext(ctx, "outbox relay stopped", "error", err)
		}
	}()
	return nil
}

// OutboxLag is the age of the oldest product event not published yet. Call
// it after Start.
func (s *Service) OutboxLag(ctx context.Context) (time.Duration, error) {
	if s.relay == nil {
		return 0, errors.New("product events are not started")
	}
	return s.relay.Lag(ctx)
}

var _ httpserver.Service = (*Service)(nil)

// Close waits for the relay (its context must have ended) and releases the
// store connection.
func (s *Service) Close() {
	if s.relayDone != nil {
		<-s.relayDone
	}
	s.close()
}
