// Package graph is the cloudmanager subgraph's GraphQL layer: resolvers read
// the caller from the context, call the asset or geocoding service and map
// the result.
package graph

//go:generate go tool gqlgen generate

import (
	"log/slog"

	"github.com/99designs/gqlgen/graphql"

	"github.com/platterhq/platter/internal/gqlsrv"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
	"github.com/platterhq/platter/subgraphs/cloudmanager/geocode"
)

// Deps is what the resolvers need.
type Deps struct {
	Assets   *asset.Service
	Geocoder *geocode.Service
	Log      *slog.Logger
}

// Resolver is the root resolver.
type Resolver struct{ Deps }

// NewSchema returns the cloudmanager subgraph's executable schema: the one
// seam used by the service binary, the all-in-one launcher and tests.
func NewSchema(deps Deps) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{
		Resolvers:  &Resolver{deps},
		Directives: DirectiveRoot{Auth: gqlsrv.Auth},
	})
}
