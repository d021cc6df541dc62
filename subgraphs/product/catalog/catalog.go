// Package catalog holds the product rules: what a valid product, menu
// section and main category are, who may change them, and which events a
// change publishes. It knows nothing of GraphQL or SQL.
package catalog

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/apperr"
)

// Currency is the one currency prices are kept in.
const Currency = "EUR"

// Bounds of what a vendor may enter.
const (
	maxVendorIDLength    = 64
	maxTitleLength       = 100
	maxDescriptionLength = 1000
	maxNameLength        = 60
	maxSearchLength      = 100
	// MaxPrice is the highest price, in cents (10,000 EUR): far above any
	// dish, low enough that no sum of a cart can overflow.
	MaxPrice           = 1_000_000
	MaxDiscountPercent = 90
	maxPosition        = 10_000
)

// Product is a food item on one vendor's menu.
type Product struct {
	ID       string
	VendorID string // the owning vendor's id, issued by the vendor subgraph
	Title    string // unique per vendor, ignoring case (see TitleKey)
	// Description may be empty.
	Description     string
	Price           int64 // list price in cents of Currency
	DiscountPercent int   // 0–MaxDiscountPercent, taken off Price
	ImageAssetID    string
	CategoryID      string // a main category, or empty
	SectionID       string // one of the vendor's menu sections, or empty
	// Available is the vendor's own flag; OnSale also needs the vendor to
	// be trading.
	Available bool
	// VendorTrading is whether the owning vendor is APPROVED, as the
	// vendors replica knows it.
	VendorTrading bool
	Deleted       bool
	// Version counts the changes: 1 when created, one more with each change,
	// so consumers of the product events keep the newest state.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time

	// Filled by reads, for display only.
	CategoryName    string
	SectionName     string
	SectionPosition int
}

// OnSale reports whether the product can be ordered now: the vendor offers
// it and the vendor is trading.
func (p Product) OnSale() bool { return p.Available && p.VendorTrading && !p.Deleted }

// FinalPrice is what a customer pays: the price less the discount, rounded
// to the nearest cent (halves up).
func (p Product) FinalPrice() int64 { return FinalPrice(p.Price, p.DiscountPercent) }

// FinalPrice is price less discountPercent, rounded to the nearest cent.
func FinalPrice(price int64, discountPercent int) int64 {
	return (price*int64(100-discountPercent) + 50) / 100
}

// Vendor is what the product subgraph knows of a vendor, from the vendor
// subgraph's events.
type Vendor struct {
	ID     string
	Name   string
	Status string // PENDING, APPROVED or SUSPENDED; empty until first heard of
	// Version is the version of the vendor event last applied; 0 means
	// none has been (the row only exists to serialise product writes, or
	// was seeded).
	Version int64
}

// VendorApproved is the status of a vendor that trades.
const VendorApproved = "APPROVED"

// Trading reports whether the vendor's products can be ordered.
func (v Vendor) Trading() bool { return v.Status == VendorApproved }

// Category is a main category of the platform (Pizza, Drinks...), managed
// by admins.
type Category struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// Section is a part of one vendor's menu (Starters, Drinks...).
type Section struct {
	ID        string
	VendorID  string
	Name      string
	Position  int // sections are listed by position, then by id
	CreatedAt time.Time
}

// MenuSection is a section with its products, in menu order.
type MenuSection struct {
	Section
	Products []Product
}

// CleanTitle trims a title and collapses inner runs of white space, so that
// "Pad  Thai " and "Pad Thai" are one title.
func CleanTitle(title string) string { return strings.Join(strings.Fields(title), " ") }

// TitleKey is what makes two titles (or section or category names) the
// same: the cleaned title in lower case. Stores index it so that every
// engine agrees, whatever its default collation.
func TitleKey(title string) string { return strings.ToLower(CleanTitle(title)) }

// SearchText is what a search matches a product against: its title and
// description in lower case, so that every engine matches alike.
func SearchText(title, description string) string {
	return strings.ToLower(title + "\n" + description)
}

// ParseID returns id in canonical form, or INVALID_INPUT on field when it
// is not an id. Lookups use the canonical form so that every engine
// matches it the same way.
func ParseID(field, id string) (string, error) {
	u, err := uuid.Parse(strings.TrimSpace(id))
	if err != nil {
		return "", apperr.Invalid(field, "is not a valid id")
	}
	return u.String(), nil
}

func newID(fixed, field string) (string, error) {
	if fixed != "" {
		return ParseID(field, fixed)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// now is the time stored for a change. Microseconds are what PostgreSQL and
// MySQL keep; truncating here makes a product read back equal to the one
// written on every engine.
func now(clock func() time.Time) time.Time { return clock().UTC().Truncate(time.Microsecond) }

func checkVendorID(id string) (string, error) {
	id = strings.TrimSpace(id)
	switch {
	case id == "":
		return "", apperr.Invalid("vendorId", "must not be empty")
	case len(id) > maxVendorIDLength:
		return "", apperr.Invalid("vendorId", "must be at most %d characters", maxVendorIDLength)
	}
	return id, nil
}

func checkTitle(field, title string, max int) (string, error) {
	title = CleanTitle(title)
	switch {
	case title == "":
		return "", apperr.Invalid(field, "must not be empty")
	case utf8.RuneCountInString(title) > max:
		return "", apperr.Invalid(field, "must be at most %d characters", max)
	}
	return title, nil
}

func checkDescription(d string) (string, error) {
	d = strings.TrimSpace(d)
	if utf8.RuneCountInString(d) > maxDescriptionLength {
		return "", apperr.Invalid("input.description", "must be at most %d characters", maxDescriptionLength)
	}
	return d, nil
}

func checkPrice(amount int64, currency string) error {
	if currency != Currency {
		return apperr.Invalid("input.price.currency", "must be %s", Currency)
	}
	if amount <= 0 || amount > MaxPrice {
		return apperr.Invalid("input.price.amount", "must be between 1 and %d cents", MaxPrice)
	}
	return nil
}

func checkDiscount(d int) error {
	if d < 0 || d > MaxDiscountPercent {
		return apperr.Invalid("input.discountPercent", "must be between 0 and %d", MaxDiscountPercent)
	}
	return nil
}

func checkPosition(p int) error {
	if p < 0 || p > maxPosition {
		return apperr.Invalid("input.position", "must be between 0 and %d", maxPosition)
	}
	return nil
}

// optionalID canonicalises an optional id: empty stays empty.
func optionalID(field, id string) (string, error) {
	if strings.TrimSpace(id) == "" {
		return "", nil
	}
	return ParseID(field, id)
}
