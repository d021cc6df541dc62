// Package vendorprofile holds the rules of a vendor's public profile: what a
// valid profile is, how its status moves, and who may see it. It knows
// nothing of GraphQL, MongoDB or Redis.
package vendorprofile

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
)

// Status says whether a vendor may trade.
type Status string

const (
	// StatusPending is a vendor that applied and waits for an admin.
	StatusPending Status = "PENDING"
	// StatusApproved is a vendor that customers can see and order from.
	StatusApproved Status = "APPROVED"
	// StatusSuspended is a vendor an admin stopped; it is hidden again.
	StatusSuspended Status = "SUSPENDED"
)

// Vendor is a restaurant or shop's public profile.
type Vendor struct {
	ID        string
	Name      string
	About     string
	Status    Status
	IsOpen    bool
	Version   int64 // bumped by every saved change; stores save on it
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Profile is what a vendor says about itself.
type Profile struct {
	Name  string
	About string
}

// Store keeps vendors.
type Store interface {
	// Create inserts v; an id already taken is CONFLICT.
	Create(ctx context.Context, v Vendor) error
	// ByID returns NOT_FOUND for an unknown id.
	ByID(ctx context.Context, id string) (Vendor, error)
	// ByIDs returns the vendors found, in any order.
	ByIDs(ctx context.Context, ids []string) ([]Vendor, error)
	// Update loads the vendor, lets change edit it and saves it only if
	// nobody saved it in between (else CONFLICT); change's error aborts.
	Update(ctx context.Context, id string, change func(*Vendor) error) (Vendor, error)
}

const (
	maxNameLength  = 100
	minAboutLength = 3
	maxAboutLength = 150
)

// New validates p and returns a PENDING, closed vendor. Every problem is
// INVALID_INPUT naming its field.
func New(id string, p Profile, now time.Time) (Vendor, error) {
	if err := ValidateID(id); err != nil {
		return Vendor{}, err
	}
	p, err := p.normalise()
	if err != nil {
		return Vendor{}, err
	}
	now = now.UTC()
	return Vendor{
		ID: id, Name: p.Name, About: p.About, Status: StatusPending,
		Version: 1, CreatedAt: now, UpdatedAt: now,
	}, nil
}

func (p Profile) normalise() (Profile, error) {
	p.Name = strings.TrimSpace(p.Name)
	p.About = strings.TrimSpace(p.About)
	switch n := utf8.RuneCountInString(p.Name); {
	case n == 0:
		return Profile{}, apperr.Invalid("name", "must not be empty")
	case n > maxNameLength:
		return Profile{}, apperr.Invalid("name", "must be at most %d characters", maxNameLength)
	}
	if n := utf8.RuneCountInString(p.About); n < minAboutLength || n > maxAboutLength {
		return Profile{}, apperr.Invalid("about", "must be %d to %d characters", minAboutLength, maxAboutLength)
	}
	return p, nil
}

// NewID returns a fresh vendor id.
func NewID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// ValidateID accepts the ids Platter issues (UUIDs in canonical form), so
// that nothing else reaches a store or a cache key.
func ValidateID(id string) error {
	if u, err := uuid.Parse(id); err != nil || u.String() != id {
		return apperr.Invalid("id", "is not a vendor id")
	}
	return nil
}

// Approve lets the vendor trade. Approving an approved vendor changes
// nothing.
func (v *Vendor) Approve() {
	v.Status = StatusApproved
}

// Suspend stops the vendor trading; a suspended vendor is also closed.
func (v *Vendor) Suspend() {
	v.Status = StatusSuspended
	v.IsOpen = false
}

// SetOpen opens or closes the vendor for orders. Only an approved vendor
// may open; closing is always allowed.
func (v *Vendor) SetOpen(open bool) error {
	if open && v.Status != StatusApproved {
		return apperr.E(apperr.Conflict, "only an approved vendor can open (status is %s)", v.Status)
	}
	v.IsOpen = open
	return nil
}

// CanSee reports whether the caller may see the vendor: approved vendors are
// public; the others only to admins.
func CanSee(caller auth.Identity, signedIn bool, v Vendor) bool {
	return v.Status == StatusApproved || (signedIn && caller.Has(auth.RoleAdmin))
}
