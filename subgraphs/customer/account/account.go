// Package account holds the customer account rules: sign up, sign in,
// sessions and who may read what. It knows nothing of GraphQL or MongoDB.
package account

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/events"
)

// Customer is a customer account.
type Customer struct {
	ID           string
	Name         string
	Email        string // normalised: trimmed, lower case
	PasswordHash string
	Roles        []auth.Role
	Phone        string
	// AvatarAssetID names an image held by the media subgraph.
	AvatarAssetID    string
	Addresses        []Address
	DefaultAddressID string
	Cart             []CartItem
	Wishlist         []WishlistItem
	// Deleted accounts are kept, anonymised, so that ids others hold stay
	// valid; they can no longer sign in.
	Deleted   bool
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
	// Events are what a change of the customer tells other subgraphs; the
	// store writes them in the same write as the change, and a relay
	// publishes them later. Read back, it is empty.
	Events []events.Envelope
}

// ErrNoChange is returned by a change function to leave the customer as it
// is: Store.Update then saves nothing and returns the customer as read.
var ErrNoChange = errors.New("no change")

// Store keeps customer accounts.
type Store interface {
	// Create inserts c; a taken email is CONFLICT (enforced by a unique index).
	Create(ctx context.Context, c Customer) error
	// ByID returns NOT_FOUND for an unknown id.
	ByID(ctx context.Context, id string) (Customer, error)
	// ByIDs returns the customers found, in any order.
	ByIDs(ctx context.Context, ids []string) ([]Customer, error)
	// ByEmail returns NOT_FOUND for an unknown (normalised) email.
	ByEmail(ctx context.Context, email string) (Customer, error)
	// ByAvatar returns the customers whose avatar is the asset.
	ByAvatar(ctx context.Context, assetID string) ([]Customer, error)
	// Update loads the customer, applies change and saves the result only if
	// nobody saved a newer version meanwhile (retrying a few times); an
	// error from change aborts without saving (ErrNoChange without an
	// error). The customer's Events are written in the same write.
	Update(ctx context.Context, id string, change func(*Customer) error) (Customer, error)
	// ApplyEvent is Update on behalf of the event with id eventID, once:
	// the id is recorded in the same write as the change, and an event
	// already recorded changes nothing and reports false.
	ApplyEvent(ctx context.Context, id, eventID string, change func(*Customer) error) (bool, error)
}

const (
	maxNameLength  = 100
	maxEmailLength = 254
)

// SignUp is what a new customer gives.
type SignUp struct {
	Name     string
	Email    string
	Password string
}

// NormaliseEmail trims and lower-cases an email so that lookups and the
// unique index agree.
func NormaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// newCustomer validates input and builds an account with the given roles.
// Every problem is INVALID_INPUT naming its field.
func newCustomer(in SignUp, roles []auth.Role, now time.Time) (Customer, error) {
	name, err := validName(in.Name)
	if err != nil {
		return Customer{}, err
	}
	email := NormaliseEmail(in.Email)
	if err := validateEmail(email); err != nil {
		return Customer{}, err
	}
	if err := auth.CheckPasswordPolicy("password", in.Password); err != nil {
		return Customer{}, err
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return Customer{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Customer{}, err
	}
	return Customer{
		ID: id.String(), Name: name, Email: email, PasswordHash: hash, Roles: roles,
		Version: 1, CreatedAt: now, UpdatedAt: now,
	}, nil
}

func validateEmail(email string) error {
	if email == "" {
		return apperr.Invalid("email", "must not be empty")
	}
	if len(email) > maxEmailLength {
		return apperr.Invalid("email", "must be at most %d characters", maxEmailLength)
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		return apperr.Invalid("email", "is not a valid email address")
	}
	return nil
}

// CanSeePrivate reports whether the caller may read the customer's private
// fields (email): the customer and admins only.
func CanSeePrivate(caller auth.Identity, ok bool, c Customer) bool {
	return ok && (caller.Subject == c.ID || caller.Has(auth.RoleAdmin))
}
