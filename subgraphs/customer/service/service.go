// Package service wires the customer subgraph: store, account rules and
// GraphQL handler. The binary and the all-in-one launcher both open it.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/auth/authmongo"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events"
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
	products     *mongostore.Products
	close        func()
}

// Subscribe starts the subgraph's event handlers on bus until ctx ends.
func (s *Service) Subscribe(ctx context.Context, bus events.Subscriber) error {
	return consumers.Subscribe(ctx, bus, s.products)
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
	accounts := account.NewService(mongostore.New(db), products, auth.NewSessions(keys, sessions, cfg.AccessTTL, cfg.RefreshTTL), log)
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
	return &Service{Handler: h, Accounts: accounts, products: products, close: closeAll}, nil
}

var _ httpserver.Service = (*Service)(nil)

// Close releases the store connection.
func (s *Service) Close() { s.close() }
