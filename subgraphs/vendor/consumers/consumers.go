// Package consumers holds the vendor subgraph's reactions to other
// subgraphs' events.
package consumers

import (
	"context"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// Subscriber is the queue name the vendor subgraph consumes under.
const Subscriber = "vendor"

// Vendors is what the handlers change. Each call names the event it acts
// for, so that a redelivered event has no second effect.
type Vendors interface {
	SetLocationFromGeocoding(ctx context.Context, eventID, vendorID, address string, p vendorprofile.GeoPoint) (bool, error)
	DetachAsset(ctx context.Context, eventID, vendorID, assetID string) (bool, error)
}

// LocateVendorOnAddressGeocoded stores the coordinates cloudmanager found
// for a vendor's address. Answers to other subgraphs, answers that found
// nothing and answers about an address the vendor no longer has are
// ignored.
func LocateVendorOnAddressGeocoded(vendors Vendors) events.Handler {
	return events.Typed(func(ctx context.Context, e events.Envelope, d events.AddressGeocodedData) error {
		if d.Requester != vendorprofile.Source || !d.Found || d.Location == nil {
			return nil
		}
		_, err := vendors.SetLocationFromGeocoding(ctx, e.ID, d.SubjectID, d.Address, vendorprofile.GeoPoint{Lat: d.Location.Lat, Lng: d.Location.Lng})
		return err
	})
}

// DetachAssetOnAssetDeleted drops a deleted image from its owner's vendor
// profile: the logo, a gallery image or a team member's photo.
func DetachAssetOnAssetDeleted(vendors Vendors) events.Handler {
	return events.Typed(func(ctx context.Context, e events.Envelope, d events.AssetData) error {
		assetID := d.AssetID
		if assetID == "" {
			assetID = e.Subject
		}
		_, err := vendors.DetachAsset(ctx, e.ID, d.OwnerID, assetID)
		return err
	})
}

// Handlers returns the vendor subgraph's own handlers by event type.
func Handlers(vendors Vendors) events.Mux {
	return events.Mux{
		events.AddressGeocoded: LocateVendorOnAddressGeocoded(vendors),
		events.AssetDeleted:    DetachAssetOnAssetDeleted(vendors),
	}
}
