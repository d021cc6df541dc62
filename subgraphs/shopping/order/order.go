// Package order holds the order rules: what an order is, how its number
// looks and who may read it. It knows nothing of GraphQL or SQL.
package order

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
)

// Status is where an order stands in its lifecycle.
type Status string

const (
	StatusPlaced         Status = "PLACED"
	StatusAccepted       Status = "ACCEPTED"
	StatusRejected       Status = "REJECTED"
	StatusExpired        Status = "EXPIRED"
	StatusPreparing      Status = "PREPARING"
	StatusReadyForPickup Status = "READY_FOR_PICKUP"
	StatusPickedUp       Status = "PICKED_UP"
	StatusDelivered      Status = "DELIVERED"
	StatusCancelled      Status = "CANCELLED"
)

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusPlaced, StatusAccepted, StatusRejected, StatusExpired, StatusPreparing,
		StatusReadyForPickup, StatusPickedUp, StatusDelivered, StatusCancelled:
		return true
	}
	return false
}

// Order is one customer's order from one vendor.
type Order struct {
	ID         string
	Number     string // what people quote: "PL-" and 8 base32 characters
	CustomerID string
	VendorID   string
	Status     Status
	PlacedAt   time.Time
}

// Store keeps orders.
type Store interface {
	// Create inserts o; a taken id or number is CONFLICT.
	Create(ctx context.Context, o Order) error
	// ByID returns NOT_FOUND for an unknown id.
	ByID(ctx context.Context, id string) (Order, error)
	// ByIDs returns the orders found, in any order.
	ByIDs(ctx context.Context, ids []string) ([]Order, error)
}

const (
	numberPrefix = "PL-"
	// maxIDLength fits a UUID (36) and a ULID (26), the id shapes Platter
	// uses; anything longer cannot be an id.
	maxIDLength = 36
)

// numberEncoding is Crockford's base32 alphabet: no I, L, O or U, so a
// number read aloud or copied by hand is not misread.
var numberEncoding = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

// NewNumber returns a fresh order number. It is random rather than
// sequential so that it reveals nothing about order volumes; 40 bits make
// a clash rare, and the store's unique index catches the rare one.
func NewNumber() (string, error) {
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return numberPrefix + numberEncoding.EncodeToString(b[:]), nil
}

// validNumber reports whether n has the shape NewNumber makes.
func validNumber(n string) bool {
	rest, ok := strings.CutPrefix(n, numberPrefix)
	if !ok || len(rest) != 8 {
		return false
	}
	_, err := numberEncoding.DecodeString(rest)
	return err == nil
}

// checkID rejects what cannot be an id, naming the field.
func checkID(field, id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return apperr.Invalid(field, "must not be empty")
	case len(id) > maxIDLength:
		return apperr.Invalid(field, "is not a valid id")
	}
	return nil
}

// Validate checks a whole order before it is stored. Every problem is
// INVALID_INPUT naming its field.
func Validate(o Order) error {
	for _, f := range []struct{ name, value string }{{"id", o.ID}, {"customerId", o.CustomerID}, {"vendorId", o.VendorID}} {
		if err := checkID(f.name, f.value); err != nil {
			return err
		}
	}
	switch {
	case !validNumber(o.Number):
		return apperr.Invalid("number", "must be %s followed by 8 base32 characters", numberPrefix)
	case !o.Status.Valid():
		return apperr.Invalid("status", "is not a known order status")
	case o.PlacedAt.IsZero():
		return apperr.Invalid("placedAt", "must be set")
	}
	return nil
}

// CanRead reports whether the caller may see the order: its customer, its
// vendor (acting as a vendor) and admins. The zero Identity is an anonymous
// caller and sees nothing.
func CanRead(caller auth.Identity, o Order) bool {
	if caller.Subject == "" {
		return false
	}
	return caller.Subject == o.CustomerID ||
		(caller.Subject == o.VendorID && caller.Has(auth.RoleVendor)) ||
		caller.Has(auth.RoleAdmin)
}
