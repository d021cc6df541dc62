// Package auth issues and verifies Platter's access tokens, rotates refresh
// sessions, hashes passwords and carries the caller's identity in contexts.
// Identity only ever comes from a verified token, never from request input.
package auth

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/platterhq/platter/internal/apperr"
)

// Role is what a caller may do. ADMIN is granted by an operator only.
type Role string

const (
	RoleCustomer Role = "CUSTOMER"
	RoleVendor   Role = "VENDOR"
	RoleCourier  Role = "COURIER"
	RoleAdmin    Role = "ADMIN"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleCustomer, RoleVendor, RoleCourier, RoleAdmin:
		return true
	}
	return false
}

// UnmarshalGQL lets GraphQL servers bind the schema's Role enum to this type.
func (r *Role) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || !Role(s).Valid() {
		return fmt.Errorf("%v is not a valid Role", v)
	}
	*r = Role(s)
	return nil
}

// MarshalGQL writes the role as a GraphQL enum value.
func (r Role) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(r))) }

// Identity is the verified caller: the token's subject, roles and session.
type Identity struct {
	Subject   string
	Roles     []Role
	SessionID string // the refresh family the access token was issued in
}

// Has reports whether the identity holds role.
func (i Identity) Has(role Role) bool { return slices.Contains(i.Roles, role) }

type ctxKey int

const (
	identityKey ctxKey = iota
	tokenErrorKey
)

// WithIdentity returns ctx carrying the verified identity.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey, id)
}

// withTokenError remembers why a presented token was refused, so that a
// field that needs a caller can say so instead of "not signed in".
func withTokenError(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, tokenErrorKey, err)
}

// FromContext returns the caller's identity, if a valid token was presented.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey).(Identity)
	return id, ok
}

// Require returns the caller's identity, or UNAUTHENTICATED.
func Require(ctx context.Context) (Identity, error) {
	if id, ok := FromContext(ctx); ok {
		return id, nil
	}
	if err, ok := ctx.Value(tokenErrorKey).(error); ok {
		return Identity{}, err
	}
	return Identity{}, apperr.E(apperr.Unauthenticated, "sign in required")
}

// RequireRole returns the caller's identity when it holds any of roles (or,
// with no roles given, when there is a caller at all); FORBIDDEN otherwise.
func RequireRole(ctx context.Context, roles ...Role) (Identity, error) {
	id, err := Require(ctx)
	if err != nil {
		return Identity{}, err
	}
	if len(roles) == 0 {
		return id, nil
	}
	for _, r := range roles {
		if id.Has(r) {
			return id, nil
		}
	}
	return Identity{}, apperr.E(apperr.Forbidden, "this needs one of the roles %v", roles)
}
