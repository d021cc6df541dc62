package events

// Events produced by the product subgraph. Shopping keeps its own replica of
// prices and availability from them to price carts.
const (
	// ProductCreated: a vendor added a product to its menu. Subject: the
	// product id.
	ProductCreated = "product.product.created.v1"
	// ProductUpdated: a product changed, its price or availability
	// included; the event carries the product as it is now. Subject: the
	// product id.
	ProductUpdated = "product.product.updated.v1"
	// ProductDeleted: a product was removed and can no longer be ordered.
	// Subject: the product id.
	ProductDeleted = "product.product.deleted.v1"
)
