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
