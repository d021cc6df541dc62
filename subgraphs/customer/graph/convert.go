package graph

import (
	"context"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/subgraphs/customer/account"
	"github.com/platterhq/platter/subgraphs/customer/graph/model"
)

// toCustomer maps an account for the caller in ctx: private fields only for
// the customer and admins.
func toCustomer(ctx context.Context, c account.Customer) *model.Customer {
	out := &model.Customer{ID: c.ID, Name: c.Name, Roles: c.Roles, CreatedAt: c.CreatedAt}
	caller, ok := auth.FromContext(ctx)
	if account.CanSeePrivate(caller, ok, c) {
		email := c.Email
		out.Email = &email
	}
	return out
}

// toSession maps a freshly issued token pair. The caller is the account
// itself, whatever token the request carried.
func toSession(c account.Customer, t auth.Tokens) *model.CustomerSession {
	email := c.Email
	return &model.CustomerSession{
		AccessToken:           t.AccessToken,
		AccessTokenExpiresAt:  t.AccessTokenExpiresAt,
		RefreshToken:          t.RefreshToken,
		RefreshTokenExpiresAt: t.RefreshTokenExpiresAt,
		Customer:              &model.Customer{ID: c.ID, Name: c.Name, Email: &email, Roles: c.Roles, CreatedAt: c.CreatedAt},
	}
}
