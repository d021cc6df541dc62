// Package service wires the customer subgraph: store, account rules and
// GraphQL handler. The binary and the all-in-one launcher both open it.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/auth/authmongo"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/mongoevents"
	"github.com/platterhq/platter/internal/gqlsrv"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/subgraphs/customer/account"
	"github.com/platterhq/platter/subgraphs/customer/consumers"
	"github.com/platterhq/platter/subgraphs/customer/graph"
	"github.com/platterhq/platter/subgraphs/customer/mongostore"
)

// Service is an opened customer subgraph.
type Service struct {
	http.Handler // the GraphQL endpoint and /healthz
	Accounts     *account.Service
	store        *mongostore.Store
	products     *mongostore.Products
	log          *slog.Logger
	close        func()

	started   atomic.Bool
	relay     *mongoevents.Relay
	relayDone chan struct{}
	// handling is held for reading by each running event handler, and for
	// writing by Close, which so waits for them; closed turns away later
	// deliveries, which the bus then makes again elsewhere.
	handling sync.RWMutex
	closed   bool
}

// Start publishes the customer events the store holds, and every new one,
// on bus, and consumes the events the subgraph reacts to under
// consumers.Subscriber, until ctx ends. Close waits for both; call Start
// once.
func (s *Service) Start(ctx context.Context, bus events.Bus) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("customer service already started")
	}
	mux := consumers.Mux(s.products, s.Accounts)
	// Eight lanes: events about different subjects (products, orders) are
	// handled side by side; writes to one customer document are serialised
	// by the store, and one subject's events stay in order.
	if err := events.SubscribeConcurrent(ctx, bus, consumers.Subscriber, 8, s.track(mux.Handle), mux.Types()...); err != nil {
		return fmt.Errorf("subscribe customer consumers: %w", err)
	}
	s.relay = s.store.NewRelay(bus, s.log)
	s.relayDone = make(chan struct{})
	go func() {
		defer close(s.relayDone)
		if err := s.relay.Run(ctx); err != nil {
			s.log.ErrorContext(ctx, "customer outbox relay stopped", "err", err)
		}
	}()
	return nil
}

// OutboxLag is the age of the oldest customer event not published yet. Call
// it after Start.
func (s *Service) OutboxLag(ctx context.Context) (time.Duration, error) {
	if s.relay == nil {
		return 0, errors.New("customer service not started")
	}
	return s.relay.Lag(ctx)
}

// track lets Close wait for h's running calls.
func (s *Service) track(h events.Handler) events.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		s.handling.RLock()
		defer s.handling.RUnlock()
		if s.closed {
			return events.ErrClosed
		}
		return h(ctx, e)
	}
}

// Open connects the store, runs migrations, creates the configured admin
// and builds the handler.
func Open(ctx context.Context, cfg config.Customer, log *slog.Logger) (*Service, error) {
	keys, err := auth.LoadKeySet(cfg.SigningKeyPEM, cfg.PublicKeysPEM)
	if err != nil {
		return nil, err
	}
	client, err := mongodb.Connect(ctx, cfg.URI)
	if err != nil {
		return nil, err
	}
	db := client.Database(cfg.Database)
	closeAll := func() { _ = client.Disconnect(context.Background()) }
	if err := mongostore.Migrate(ctx, db); err != nil {
		closeAll()
		return nil, err
	}
	sessions, err := authmongo.New(ctx, db.Collection("sessions"))
	if err != nil {
		closeAll()
		return nil, err
	}
	products := mongostore.NewProducts(db)
	store := mongostore.New(db)
	accounts := account.NewService(store, products, auth.NewSessions(keys, sessions, cfg.AccessTTL, cfg.RefreshTTL), log)
	if cfg.AdminEmail != "" {
		admin, created, err := accounts.EnsureAdmin(ctx, account.SignUp{Name: "Administrator", Email: cfg.AdminEmail, Password: cfg.AdminPassword})
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("ADMIN_EMAIL: %w", err)
		}
		if created {
			log.InfoContext(ctx, "admin account created", "customer_id", admin.ID)
		}
	}
	schema := graph.NewSchema(graph.Deps{Accounts: accounts, Log: log})
	h := gqlsrv.NewHandler(schema, keys, log, gqlsrv.Options{}, httpserver.Check{
		Name:  "mongodb",
		Probe: func(ctx context.Context) error { return client.Ping(ctx, nil) },
	})
	return &Service{Handler: h, Accounts: accounts, store: store, products: products, log: log, close: closeAll}, nil
}

var _ httpserver.Service = (*Service)(nil)

// Close waits for the event handlers and the relay (the context given to
// Start must have ended) and releases the store connection.
func (s *Service) Close() {
	s.handling.Lock()
	s.closed = true
	s.handling.Unlock()
	if s.relayDone != nil {
		<-s.relayDone
	}
	s.close()
}
