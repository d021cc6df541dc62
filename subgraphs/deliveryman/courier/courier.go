// Package courier holds the courier rules: who a courier is and whether it
// takes offers. It knows nothing of GraphQL or SQL.
package courier

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/apperr"
)

// Availability says whether a courier takes offers right now.
type Availability string

const (
	Available Availability = "AVAILABLE"
	Busy      Availability = "BUSY"
	Offline   Availability = "OFFLINE"
)

// Valid reports whether a is one of the known availabilities.
func (a Availability) Valid() bool {
	switch a {
	case Available, Busy, Offline:
		return true
	}
	return false
}

// Courier is someone who delivers orders.
type Courier struct {
	ID           string
	Name         string
	Availability Availability
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Store keeps couriers.
type Store interface {
	// Create inserts c.
	Create(ctx context.Context, c Courier) error
	// ByID returns NOT_FOUND for an unknown id.
	ByID(ctx context.Context, id string) (Courier, error)
	// ByIDs returns the couriers found, in any order.
	ByIDs(ctx context.Context, ids []string) ([]Courier, error)
	// Count returns how many couriers there are.
	Count(ctx context.Context) (int, error)
}

const maxNameLength = 100

// NewCourier is what a new courier gives.
type NewCourier struct {
	Name string
}

// ParseID returns id in canonical form, or INVALID_INPUT on field when it
// is not a courier id. Lookups use the canonical form so that every engine
// matches it the same way.
func ParseID(field, id string) (string, error) {
	u, err := uuid.Parse(strings.TrimSpace(id))
	if err != nil {
		return "", apperr.Invalid(field, "is not a valid id")
	}
	return u.String(), nil
}

// newCourier validates input and builds a courier, OFFLINE until it says
// it takes offers. Every problem is INVALID_INPUT naming its field.
func newCourier(in NewCourier, now time.Time) (Courier, error) {
	name := strings.Join(strings.Fields(in.Name), " ")
	switch {
	case name == "":
		return Courier{}, apperr.Invalid("name", "must not be empty")
	case utf8.RuneCountInString(name) > maxNameLength:
		return Courier{}, apperr.Invalid("name", "must be at most %d characters", maxNameLength)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Courier{}, err
	}
	// Microseconds are what PostgreSQL and MySQL keep; truncating here makes
	// a courier read back equal to the one written on every engine.
	now = now.UTC().Truncate(time.Microsecond)
	return Courier{ID: id.String(), Name: name, Availability: Offline, CreatedAt: now, UpdatedAt: now}, nil
}
