package events

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
