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

// ProductData is the data of every product event: the product as it is now,
// not a diff, so a consumer that missed an event still converges. Version
// grows with every change; a consumer keeps the highest it has seen, which
// also makes a redelivered or late event harmless.
type ProductData struct {
	ProductID string `json:"product_id"`
	VendorID  string `json:"vendor_id"`
	Title     string `json:"title"`
	// Price is the list price; DiscountPercent (0–90) is taken off it.
	Price           Money  `json:"price"`
	DiscountPercent int    `json:"discount_percent"`
	ImageAssetID    string `json:"image_asset_id,omitempty"`
	Available       bool   `json:"available"`
	Deleted         bool   `json:"deleted"`
	Version         int64  `json:"version"`
}
