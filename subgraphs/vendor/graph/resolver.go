// Package graph is the vendor subgraph's GraphQL layer: resolvers read the
// caller from the context, call the vendor profile service and map the
// result.
package graph

//go:generate go tool gqlgen generate

import (
	"log/slog"

	"github.com/99designs/gqlgen/graphql"

	"github.com/platterhq/platter/internal/gqlsrv"
	"github.com/platterhq/platter/subgraphs/vendorsvc/dashboard"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// Deps is what the resolvers need.
type Deps struct {
	Vendors *vendorprofile.Service
	// Dashboard answers the owner's dashboard from the order and review
	// projection.
	Dashboard *dashboard.Service
	Log       *slog.Logger
}

// Resolver is the root resolver. Deps is a named field: the query
// resolver's Vendors method would otherwise shadow Deps.Vendors.
type Resolver struct{ deps Deps }

// NewSchema returns the vendor subgraph's executable schema: the one seam
// used by the service binary, the all-in-one launcher and tests.
func NewSchema(deps Deps) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{
		Resolvers:  &Resolver{deps: deps},
		Directives: DirectiveRoot{Auth: gqlsrv.Auth},
	})
}
