package events

// Events produced by the customer subgraph.
const (
	// CustomerRegistered: a customer account was created. Subject: the
	// customer id. Data: CustomerRegisteredData.
	CustomerRegistered = "customer.customer.registered.v1"
	// CustomerUpdated: a customer's profile changed. Subject: the customer
	// id. Data: CustomerUpdatedData.
	CustomerUpdated = "customer.customer.updated.v1"
	// CustomerDeleted: a customer account was deleted; consumers drop or
	// anonymise what they keep about the customer. Subject: the customer id.
	// Data: CustomerDeletedData.
	CustomerDeleted = "customer.customer.deleted.v1"
	// CartCheckedOut: a customer checked out their cart; shopping prices it
	// and places one order per vendor. Subject: the customer id.
	CartCheckedOut = "customer.cart.checked_out.v1"
	// CustomerAddressGeocodingRequested: a customer saved an address without
	// coordinates; cloudmanager answers with AddressGeocoded. Subject: the
	// customer id. Data: GeocodingRequestedData.
	CustomerAddressGeocodingRequested = "customer.address.geocoding_requested.v1"
)

// CustomerRegisteredData is the data of CustomerRegistered.
type CustomerRegisteredData struct {
	CustomerID string `json:"customer_id"`
	Email      string `json:"email"`
	Name       string `json:"name"`
}

// CustomerUpdatedData is the data of CustomerUpdated: the profile as it is
// now, not a diff, so a consumer that missed an update still converges.
type CustomerUpdatedData struct {
	CustomerID string `json:"customer_id"`
	Email      string `json:"email"`
	Name       string `json:"name"`
}

// CustomerDeletedData is the data of CustomerDeleted.
type CustomerDeletedData struct {
	CustomerID string `json:"customer_id"`
}
