package events

// Events produced by the cloudmanager subgraph.
const (
	// AssetUploaded: an image was uploaded and checked; its owner may now
	// refer to it. Subject: the asset id.
	AssetUploaded = "cloudmanager.asset.uploaded.v1"
	// AssetDeleted: an image was deleted; entities that show it drop the
	// reference. Subject: the asset id.
	AssetDeleted = "cloudmanager.asset.deleted.v1"
	// DispatchCandidatesFound: the nearest available couriers to the vendor
	// of an order that requested dispatch, nearest first. Subject: the order
	// id.
	DispatchCandidatesFound = "cloudmanager.dispatch.candidates_found.v1"
	// AddressGeocoded: an address was resolved to coordinates. Subject: the
	// id of the entity whose address it is.
	AddressGeocoded = "cloudmanager.address.geocoded.v1"
)

// AssetData is the data of AssetUploaded and AssetDeleted.
type AssetData struct {
	AssetID string `json:"asset_id"`
	OwnerID string `json:"owner_id"`
	// Purpose is the asset's purpose as the GraphQL enum names it
	// (AVATAR, VENDOR_LOGO, GALLERY, PRODUCT_IMAGE, TEAM_PHOTO, COURIER_PHOTO).
	Purpose string `json:"purpose"`
}

// AddressGeocodedData is the data of AddressGeocoded: the answer to one
// geocoding request.
type AddressGeocodedData struct {
	// Requester is the subgraph that asked (the request's source); the
	// others ignore the answer.
	Requester string `json:"requester"`
	SubjectID string `json:"subject_id"`
	AddressID string `json:"address_id,omitempty"`
	// Address is the text that was geocoded; a consumer whose address has
	// changed since it asked ignores the answer.
	Address string `json:"address"`
	// Found is false when no place matches or geocoding is not configured;
	// Reason then says which and Location is nil.
	Found    bool      `json:"found"`
	Location *GeoPoint `json:"location,omitempty"`
	Reason   string    `json:"reason,omitempty"`
}
