// Package consumers holds the customer subgraph's reactions to other
// subgraphs' events.
package consumers

import (
	"context"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/subgraphs/customer/account"
)

// Subscriber is the queue name the customer subgraph consumes under.
const Subscriber = "customer"

// ProductReplica keeps what the customer subgraph knows of products.
type ProductReplica interface {
	Apply(ctx context.Context, st account.ProductState) (bool, error)
}

// Customers is what the reactions change about customers.
type Customers interface {
	RemoveOrdered(ctx context.Context, eventID, customerID string, ordered []account.CartItem) error
	SetGeocodedLocation(ctx context.Context, customerID, addressID, text string, at account.GeoPoint) (bool, error)
	DetachAvatar(ctx context.Context, assetID string) (int, error)
}

// ReplicateProductOnProductChanged keeps the product replica (existence and
// availability, for the cart and the wishlist) from product events. Events
// carry the whole state and a version, so applying one twice, or an old one
// late, changes nothing.
func ReplicateProductOnProductChanged(replica ProductReplica) events.Handler {
	return events.Typed(func(ctx context.Context, _ events.Envelope, d events.ProductData) error {
		_, err := replica.Apply(ctx, account.ProductState{
			ID: d.ProductID, VendorID: d.VendorID, Available: d.Available && !d.Deleted, Deleted: d.Deleted, Version: d.Version,
		})
		return err
	})
}

// EmptyCartOnOrderPlaced takes an order's items out of its customer's cart
// once the order is placed (not when checkout starts, so a failed checkout
// leaves the cart as it was). Each vendor's order of a checkout takes its
// own items; the event id makes a copy of the event take nothing more.
func EmptyCartOnOrderPlaced(customers Customers) events.Handler {
	return events.Typed(func(ctx context.Context, e events.Envelope, d events.OrderData) error {
		ordered := make([]account.CartItem, len(d.Items))
		for i, it := range d.Items {
			ordered[i] = account.CartItem{ProductID: it.ProductID, Quantity: it.Quantity}
		}
		return customers.RemoveOrdered(ctx, e.ID, d.CustomerID, ordered)
	})
}

// SetAddressLocationOnAddressGeocoded gives an address the location
// geocoding found for it. Answers to other subgraphs' requests, answers
// that found nothing, and stale answers (the address changed since) change
// nothing; the address keeps no location and the customer may give one.
func SetAddressLocationOnAddressGeocoded(customers Customers) events.Handler {
	return events.Typed(func(ctx context.Context, _ events.Envelope, d events.AddressGeocodedData) error {
		if d.Requester != account.Source || !d.Found || d.Location == nil || d.AddressID == "" {
			return nil
		}
		_, err := customers.SetGeocodedLocation(ctx, d.SubjectID, d.AddressID, d.Address, account.GeoPoint{Lat: d.Location.Lat, Lng: d.Location.Lng})
		if apperr.CodeOf(err) == apperr.InvalidInput {
			return events.Permanent(err) // a location off the globe: no retry fixes it
		}
		return err
	})
}

// DetachAvatarOnAssetDeleted clears the avatar of customers who showed the
// deleted image, so their profile does not point at nothing.
func DetachAvatarOnAssetDeleted(customers Customers) events.Handler {
	return events.Typed(func(ctx context.Context, e events.Envelope, d events.AssetData) error {
		id := d.AssetID
		if id == "" {
			id = e.Subject
		}
		_, err := customers.DetachAvatar(ctx, id)
		return err
	})
}

// Mux routes every event the customer subgraph consumes to its handler;
// subscribe it under Subscriber.
func Mux(replica ProductReplica, customers Customers) events.Mux {
	replicate := ReplicateProductOnProductChanged(replica)
	return events.Mux{
		events.ProductCreated:  replicate,
		events.ProductUpdated:  replicate,
		events.ProductDeleted:  replicate,
		events.OrderPlaced:     EmptyCartOnOrderPlaced(customers),
		events.AddressGeocoded: SetAddressLocationOnAddressGeocoded(customers),
		events.AssetDeleted:    DetachAvatarOnAssetDeleted(customers),
	}
}
