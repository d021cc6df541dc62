package events

import "time"

// Events produced by the vendor subgraph.
const (
	// VendorRegistered: a vendor (restaurant) account was created. Subject:
	// the vendor id. Data: VendorData.
	VendorRegistered = "vendor.vendor.registered.v1"
	// VendorUpdated: a vendor's name, address, location, open/closed state
	// or status changed; the event carries the vendor as it is now. Subject:
	// the vendor id. Data: VendorData.
	VendorUpdated = "vendor.vendor.updated.v1"
	// VendorAddressGeocodingRequested: a vendor saved an address without
	// coordinates; cloudmanager answers with AddressGeocoded. Subject: the
	// vendor id. Data: GeocodingRequestedData.
	VendorAddressGeocodingRequested = "vendor.address.geocoding_requested.v1"
)

// VendorData is the data of VendorRegistered and VendorUpdated: the vendor
// as it is now, not a diff. Version grows with every change; a consumer
// keeps the highest it has seen.
type VendorData struct {
	VendorID string `json:"vendor_id"`
	Name     string `json:"name"`
	// Status is PENDING, APPROVED or SUSPENDED; only an APPROVED vendor
	// trades.
	Status   string    `json:"status"`
	Open     bool      `json:"open"`
	Address  string    `json:"address"`
	Location *GeoPoint `json:"location,omitempty"`
	// TimeZone is the IANA zone the vendor's opening hours and dashboard
	// buckets are in.
	TimeZone  string    `json:"time_zone"`
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}
