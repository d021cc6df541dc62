package events

// Shapes shared by the data of several event types.

// GeoPoint is a position in WGS 84 degrees.
type GeoPoint struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// Money is an amount in the currency's minor unit (cents), so sums are exact.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// GeocodingRequestedData is the data of the events a subgraph publishes to
// ask cloudmanager for an address's coordinates (CustomerAddressGeocodingRequested,
// VendorAddressGeocodingRequested). Cloudmanager answers with AddressGeocoded.
type GeocodingRequestedData struct {
	// SubjectID is the id of the entity whose address it is (a customer or
	// a vendor); it is also the envelope's subject.
	SubjectID string `json:"subject_id"`
	// AddressID tells one address of the subject from another; empty when
	// the subject has a single address (a vendor).
	AddressID string `json:"address_id,omitempty"`
	// Address is the text to geocode, as the subject saved it.
	Address string `json:"address"`
}
