// Package catalog holds the product rules: what a valid product is and how
// products are named on a vendor's menu. It knows nothing of GraphQL or SQL.
package catalog

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/events"
)

// Product is a food item on one vendor's menu.
type Product struct {
	ID          string
	VendorID    string // the owning vendor's id, issued by the vendor subgraph
	Title       string // unique per vendor, ignoring case (see TitleKey)
	Description string
	Available   bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Store keeps products.
type Store interface {
	// Create inserts p and, in the same transaction, the events that tell
	// others about it; a title the vendor already uses (compared by
	// TitleKey) is CONFLICT on "title", enforced by a unique index.
	Create(ctx context.Context, p Product, evs ...events.Envelope) error
	// ByID returns NOT_FOUND for an unknown id.
	ByID(ctx context.Context, id string) (Product, error)
	// ByIDs returns the products found, in any order.
	ByIDs(ctx context.Context, ids []string) ([]Product, error)
	// ByVendorTitle returns the vendor's product whose title has the same
	// TitleKey, or NOT_FOUND.
	ByVendorTitle(ctx context.Context, vendorID, title string) (Product, error)
}

const (
	maxVendorIDLength    = 64
	maxTitleLength       = 100
	maxDescriptionLength = 1000
)

// NewProduct is what a vendor gives for a new menu item.
type NewProduct struct {
	// ID is set by demo data only, whose ids other subgraphs' demo data
	// refer to; empty means a fresh id. Clients never choose ids.
	ID          string
	VendorID    string
	Title       string
	Description string
	Available   bool
}

// CleanTitle trims a title and collapses inner runs of white space, so that
// "Pad  Thai " and "Pad Thai" are one title.
func CleanTitle(title string) string { return strings.Join(strings.Fields(title), " ") }

// TitleKey is what makes two titles the same on one menu: the cleaned
// title in lower case. Stores index it so that every engine agrees,
// whatever its default collation.
func TitleKey(title string) string { return strings.ToLower(CleanTitle(title)) }

// ParseID returns id in canonical form, or INVALID_INPUT on field when it
// is not a product id. Lookups use the canonical form so that every engine
// matches it the same way.
func ParseID(field, id string) (string, error) {
	u, err := uuid.Parse(strings.TrimSpace(id))
	if err != nil {
		return "", apperr.Invalid(field, "is not a valid id")
	}
	return u.String(), nil
}

// newProduct validates input and builds a product. Every problem is
// INVALID_INPUT naming its field.
func newProduct(in NewProduct, now time.Time) (Product, error) {
	vendorID := strings.TrimSpace(in.VendorID)
	switch {
	case vendorID == "":
		return Product{}, apperr.Invalid("vendorId", "must not be empty")
	case len(vendorID) > maxVendorIDLength:
		return Product{}, apperr.Invalid("vendorId", "must be at most %d characters", maxVendorIDLength)
	}
	title := CleanTitle(in.Title)
	switch {
	case title == "":
		return Product{}, apperr.Invalid("title", "must not be empty")
	case utf8.RuneCountInString(title) > maxTitleLength:
		return Product{}, apperr.Invalid("title", "must be at most %d characters", maxTitleLength)
	}
	description := strings.TrimSpace(in.Description)
	if utf8.RuneCountInString(description) > maxDescriptionLength {
		return Product{}, apperr.Invalid("description", "must be at most %d characters", maxDescriptionLength)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Product{}, err
	}
	if in.ID != "" {
		if id, err = uuid.Parse(in.ID); err != nil {
			return Product{}, apperr.Invalid("id", "is not a product id")
		}
	}
	// Microseconds are what PostgreSQL and MySQL keep; truncating here makes
	// a product read back equal to the one written on every engine.
	now = now.UTC().Truncate(time.Microsecond)
	return Product{
		ID: id.String(), VendorID: vendorID, Title: title, Description: description,
		Available: in.Available, CreatedAt: now, UpdatedAt: now,
	}, nil
}
