package catalog

import (
	"context"

	"github.com/platterhq/platter/internal/events"
)

// Store keeps products, menu sections, main categories and the vendors
// replica. Reads never return deleted products.
type Store interface {
	// Update runs fn in one transaction: everything fn does through tx,
	// events included, commits together or not at all.
	Update(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error

	// Product returns NOT_FOUND for an unknown or deleted id.
	Product(ctx context.Context, id string) (Product, error)
	// Products returns the products found, in any order.
	Products(ctx context.Context, ids []string) ([]Product, error)
	// List returns up to limit products matching f after the cursor
	// position after (a product id; empty for the first page), in id order,
	// and whether more follow.
	List(ctx context.Context, f Filter, after string, limit int) ([]Product, bool, error)
	// Menus returns the menu sections of the given vendors, each vendor's in
	// menu order, with their products in id order.
	Menus(ctx context.Context, vendorIDs []string) ([]MenuSection, error)
	// SectionProducts returns the products of one section, in id order.
	SectionProducts(ctx context.Context, sectionID string) ([]Product, error)
	// VendorsFirstProducts returns up to limit products of each of the
	// given vendors, in vendor then id order: the first pages of their
	// listings, in one lookup.
	VendorsFirstProducts(ctx context.Context, vendorIDs []string, limit int) ([]Product, error)
	// Categories returns the main categories by name.
	Categories(ctx context.Context) ([]Category, error)
	// Section returns NOT_FOUND for an unknown id.
	Section(ctx context.Context, id string) (Section, error)
}

// Tx is what one transaction of the Store can do. Writes that change a
// vendor's products begin with LockVendor, so that they serialise with the
// replica changing the vendor's status.
type Tx interface {
	// LockVendor returns the vendor's replica row, creating an empty one
	// (Version 0) when the vendor is unknown, and holds it until commit.
	LockVendor(ctx context.Context, id string) (Vendor, error)
	// SaveVendor writes the vendor's replica row.
	SaveVendor(ctx context.Context, v Vendor) error
	// ProductForUpdate returns the product (deleted ones too) and holds it
	// until commit; NOT_FOUND for an unknown id.
	ProductForUpdate(ctx context.Context, id string) (Product, error)
	// VendorProducts returns the vendor's products that are not deleted,
	// held until commit.
	VendorProducts(ctx context.Context, vendorID string) ([]Product, error)
	// ProductsWithImage returns the products that are not deleted and show
	// the asset, without holding them.
	ProductsWithImage(ctx context.Context, assetID string) ([]Product, error)
	// InsertProduct adds p; a title its vendor already uses is CONFLICT on
	// "title".
	InsertProduct(ctx context.Context, p Product) error
	// SaveProduct writes every field of p over the stored product; a title
	// its vendor already uses is CONFLICT on "title".
	SaveProduct(ctx context.Context, p Product) error

	// Category returns NOT_FOUND for an unknown id.
	Category(ctx context.Context, id string) (Category, error)
	// InsertCategory adds c; a name in use is CONFLICT on "name".
	InsertCategory(ctx context.Context, c Category) error
	// Section returns NOT_FOUND for an unknown id.
	Section(ctx context.Context, id string) (Section, error)
	// NextSectionPosition is one past the vendor's last section's position.
	NextSectionPosition(ctx context.Context, vendorID string) (int, error)
	// InsertSection adds s; a name the vendor already uses is CONFLICT on
	// "name".
	InsertSection(ctx context.Context, s Section) error
	// SaveSection writes s over the stored section, with the same conflict.
	SaveSection(ctx context.Context, s Section) error
	// DeleteSection removes the section.
	DeleteSection(ctx context.Context, id string) error
	// SectionInUse reports whether a product that is not deleted is in the
	// section.
	SectionInUse(ctx context.Context, id string) (bool, error)

	// Publish adds events to the outbox, to be sent once the transaction
	// commits.
	Publish(ctx context.Context, evs ...events.Envelope) error
}

// Filter narrows a product listing; zero fields do not filter.
type Filter struct {
	VendorID   string
	CategoryID string
	SectionID  string
	// Search matches, ignoring case, the title, the description or the
	// vendor's name.
	Search string
	// MaxPrice bounds the final price, in cents; nil does not filter.
	MaxPrice *int64
	// Available: true keeps the products on sale, false the others.
	Available *bool
}
