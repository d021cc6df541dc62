// Package service wires the shopping subgraph: store, order rules and
// GraphQL handler. The binary and the all-in-one launcher both open it.
package service

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/gqlsrv"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/subgraphs/shopping/graph"
	"github.com/platterhq/platter/subgraphs/shopping/order"
	"github.com/platterhq/platter/subgraphs/shopping/sqlstore"
)

// Service is an opened shopping subgraph.
type Service struct {
	http.Handler // the GraphQL endpoint and /healthz
	Orders       *order.Service
	close        func()
}

// Open connects the store, runs migrations and builds the handler.
func Open(ctx context.Context, cfg config.Shopping, log *slog.Logger) (*Service, error) {
	keys, err := auth.LoadKeySet(cfg.SigningKeyPEM, cfg.PublicKeysPEM)
	if err != nil {
		return nil, err
	}
	db, err := sqldb.OpenMigrated(ctx, cfg.SQL.URL, sqlstore.Migrations())
	if err != nil {
		return nil, err
	}
	orders := order.NewService(sqlstore.New(db), log)
	schema := graph.NewSchema(graph.Deps{Orders: orders, Log: log})
	h := gqlsrv.NewHandler(schema, keys, log, gqlsrv.Options{}, httpserver.Check{
		Name:  db.Dialect().Name().String(),
		Probe: db.PingContext,
	})
	return &Service{Handler: h, Orders: orders, close: func() { _ = db.Close() }}, nil
}

var _ httpserver.Service = (*Service)(nil)

// Close releases the store connection.
func (s *Service) Close() { s.close() }
