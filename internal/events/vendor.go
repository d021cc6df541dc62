package events

// Events produced by the vendor subgraph.
const (
	// VendorRegistered: a vendor (restaurant) account was created. Subject:
	// the vendor id.
	VendorRegistered = "vendor.vendor.registered.v1"
	// VendorUpdated: a vendor's name, address, location or open/closed
	// state changed; the event carries the vendor as it is now. Subject: the
	// vendor id.
	VendorUpdated = "vendor.vendor.updated.v1"
)
