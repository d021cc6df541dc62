package model

import "context"

// Vendor is the vendor entity as the product subgraph contributes to it.
type Vendor struct {
	ID string
	// Menus loads this vendor's menu together with those of the other
	// vendors resolved in the same batch; nil loads it alone.
	Menus MenuLoader `json:"-"`
}

// MenuLoader answers the menus of a batch of vendors with one lookup.
type MenuLoader interface {
	Menu(ctx context.Context, vendorID string) ([]MenuSection, error)
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
