package events

import "time"

// Events produced by the shopping subgraph. Each order event is about one
// order (one vendor); its subject is the order id.
const (
	// OrderPlaced: a checkout placed an order with a vendor, which now has
	// to accept or reject it.
	OrderPlaced = "shopping.order.placed.v1"
	// OrderAccepted: the vendor accepted the order, with its preparation
	// time.
	OrderAccepted = "shopping.order.accepted.v1"
	// OrderRejected: the vendor refused the order.
	OrderRejected = "shopping.order.rejected.v1"
	// OrderExpired: the vendor did not answer in time, so the order will not
	// be prepared.
	OrderExpired = "shopping.order.expired.v1"
	// OrderReady: the order is prepared and waits for its courier.
	OrderReady = "shopping.order.ready.v1"
	// OrderPickedUp: the courier collected the order from the vendor.
	OrderPickedUp = "shopping.order.picked_up.v1"
	// OrderDelivered: the order reached the customer; it can now be
	// reviewed.
	OrderDelivered = "shopping.order.delivered.v1"
	// OrderCancelled: the order was cancelled before pickup, with a reason
	// and who cancelled it.
	OrderCancelled = "shopping.order.cancelled.v1"
	// DispatchRequested: an accepted order needs a courier; cloudmanager
	// answers with candidates near the vendor. Subject: the order id.
	DispatchRequested = "shopping.dispatch.requested.v1"
)

// OrderData is the data of every order event: the order as it is now.
// Version grows with every transition; a consumer keeps the highest it has
// seen.
type OrderData struct {
	OrderID string `json:"order_id"`
	// CheckoutID is the placeOrder call that created the order together with
	// the customer's other orders of the same cart.
	CheckoutID string      `json:"checkout_id"`
	CustomerID string      `json:"customer_id"`
	VendorID   string      `json:"vendor_id"`
	Status     string      `json:"status"`
	Items      []OrderItem `json:"items"`
	Subtotal   Money       `json:"subtotal"`
	Total      Money       `json:"total"`
	PlacedAt   time.Time   `json:"placed_at"`
	// DeliveredAt is when the order was delivered; set once it is.
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	// Reason says why an order was rejected or cancelled.
	Reason  string `json:"reason,omitempty"`
	Version int64  `json:"version"`
}

// OrderItem is one line of an order: a snapshot of the product when it was
// ordered.
type OrderItem struct {
	ProductID string `json:"product_id"`
	Title     string `json:"title"`
	Quantity  int    `json:"quantity"`
	UnitPrice Money  `json:"unit_price"`
}
