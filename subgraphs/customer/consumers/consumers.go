// Package consumers holds the customer subgraph's reactions to other
// subgraphs' events.
package consumers

import (
	"context"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/subgraphs/customer/account"
)

// Subscriber is the queue name the customer subgraph consumes under.
const Subscriber = "customer"

// ProductReplica keeps what the customer subgraph knows of products.
type ProductReplica interface {
	Apply(ctx context.Context, st account.ProductState) (bool, error)
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

// Subscribe registers every customer handler on bus until ctx ends.
func Subscribe(ctx context.Context, bus events.Subscriber, replica ProductReplica) error {
	replicate := ReplicateProductOnProductChanged(replica)
	mux := events.Mux{
		events.ProductCreated: replicate,
		events.ProductUpdated: replicate,
		events.ProductDeleted: replicate,
	}
	return bus.Subscribe(ctx, Subscriber, mux.Handle, mux.Types()...)
}
