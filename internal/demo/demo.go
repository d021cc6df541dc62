// Package demo holds the fixed ids of the dev mode's demo data, so that each
// subgraph's seed refers to the same customer, vendor, courier and orders
// and a newcomer's queries join across subgraphs. Dev mode only.
package demo

const (
	// CustomerID is the demo customer (customer@platter.local).
	CustomerID = "01966b2e-0000-7000-8000-00000000c001"
	// AdminID is the dev ADMIN (admin@platter.local).
	AdminID = "01966b2e-0000-7000-8000-00000000c0ad"
	// VendorID is the demo vendor whose menu holds the demo dishes.
	VendorID = "01966b2e-0000-7000-8000-00000000f001"
	// CourierID is the demo courier who delivered DeliveredOrderID.
	CourierID = "01966b2e-0000-7000-8000-00000000d001"
	// DeliveredOrderID is a delivered demo order (reviewed in feedback).
	DeliveredOrderID = "01966b2e-0000-7000-8000-00000000a001"
	// PlacedOrderID is a freshly placed demo order.
	PlacedOrderID = "01966b2e-0000-7000-8000-00000000a002"
)

// The demo vendor's dishes.
const (
	MargheritaID = "01966b2e-0000-7000-8000-0000000000b1"
	TiramisuID   = "01966b2e-0000-7000-8000-0000000000b2"
)
