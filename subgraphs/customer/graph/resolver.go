// Package graph is the customer subgraph's GraphQL layer: resolvers read the
// caller from the context, call the account service and map the result.
package graph

//go:generate go tool gqlgen generate

import (
	"context"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"

	"github.com/platterhq/platter/internal/gqlsrv"
	"github.com/platterhq/platter/subgraphs/customer/account"
	"github.com/platterhq/platter/subgraphs/customer/graph/model"
)

// Deps is what the resolvers need.
type Deps struct {
	Accounts *account.Service
	Log      *slog.Logger
}

// Resolver is the root resolver.
type Resolver struct{ Deps }

// NewSchema returns the customer subgraph's executable schema: the one seam
// used by the service binary, the all-in-one launcher and tests.
func NewSchema(deps Deps) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{
		Resolvers:  &Resolver{deps},
		Directives: DirectiveRoot{Auth: gqlsrv.Auth},
	})
}

// cartOf maps a customer's cart with each item flagged by the product
// replica, in one lookup.
func (r *Resolver) cartOf(ctx context.Context, c account.Customer) (*model.Cart, error) {
	ids := make([]string, len(c.Cart))
	for i, it := range c.Cart {
		ids[i] = it.ProductID
	}
	known, err := r.Accounts.ProductStates(ctx, ids)
	if err != nil {
		return nil, err
	}
	return toCart(c.Cart, known), nil
}

// wishlistOf maps a customer's wishlist without deleted products.
func (r *Resolver) wishlistOf(ctx context.Context, c account.Customer) ([]model.Product, error) {
	ids := make([]string, len(c.Wishlist))
	for i, w := range c.Wishlist {
		ids[i] = w.ProductID
	}
	known, err := r.Accounts.ProductStates(ctx, ids)
	if err != nil {
		return nil, err
	}
	return toWishlist(c.Wishlist, known), nil
}
