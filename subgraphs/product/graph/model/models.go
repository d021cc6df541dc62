package model

import "context"

// Vendor is the vendor entity as the product subgraph contributes to it.
type Vendor struct {
	ID string
	// Batch loads this vendor's menu and first page of products together
	// with those of the other vendors resolved in the same batch; nil
	// loads them alone.
	Batch VendorLoader `json:"-"`
}

// VendorLoader answers for a batch of vendors with one lookup per field.
type VendorLoader interface {
	Menu(ctx context.Context, vendorID string) ([]MenuSection, error)
	// FirstProducts is the first page of the vendor's products listing.
	FirstProducts(ctx context.Context, vendorID string, first *int) (*ProductConnection, error)
}

// MenuSection is a part of a vendor's menu. Products is set when the
// section was read with its menu; otherwise it is looked up.
type MenuSection struct {
	ID             string
	Name           string
	Position       int
	Products       []Product
	ProductsLoaded bool
}

// IsEntity marks Vendor as a federation entity.
func (Vendor) IsEntity() {}
