// Package consumers holds the product subgraph's reactions to other
// subgraphs' events.
package consumers

import (
	"context"
	"fmt"
	"slices"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/subgraphs/product/catalog"
)

// Subscriber is the queue name the product subgraph consumes under.
const Subscriber = "product"

// Inbox runs a handler at most once per event id, a batch of events in one
// transaction with the records of their ids, so that a redelivered event
// has no second effect.
type Inbox interface {
	HandleBatch(subscriber string, fn func(ctx context.Context, tx catalog.Tx, e events.Envelope) error) events.BatchHandler
}

// MaxBatch is the most events one transaction of the consumers applies.
// A burst (many vendors changing at once, a bulk deletion of images)
// then costs one commit per batch rather than one per event.
const MaxBatch = 100

// TxHandler is a handler that makes its change in the inbox's transaction.
type TxHandler func(ctx context.Context, tx catalog.Tx, e events.Envelope) error

// ReplicateVendorOnVendorChanged keeps the vendors replica (name for
// search, status for availability) from vendor.registered and
// vendor.updated. Events carry the whole vendor and a version: an old or
// repeated one changes nothing. A vendor that stops or starts trading
// republishes its products, whose availability follows.
func ReplicateVendorOnVendorChanged(c *catalog.Service) TxHandler {
	return typed(func(ctx context.Context, tx catalog.Tx, _ events.Envelope, d events.VendorData) error {
		_, err := c.ApplyVendor(ctx, tx, catalog.Vendor{ID: d.VendorID, Name: d.Name, Status: d.Status, Version: d.Version})
		return err
	})
}

// DetachImageOnAssetDeleted clears the image of the products that showed a
// deleted asset, publishing each change.
func DetachImageOnAssetDeleted(c *catalog.Service) TxHandler {
	return typed(func(ctx context.Context, tx catalog.Tx, _ events.Envelope, d events.AssetData) error {
		_, err := c.DetachImage(ctx, tx, d.AssetID)
		return err
	})
}

// typed decodes the event's data; data that does not decode is a
// permanent failure, dead-lettered at once.
func typed[T any](fn func(context.Context, catalog.Tx, events.Envelope, T) error) TxHandler {
	return func(ctx context.Context, tx catalog.Tx, e events.Envelope) error {
		data, err := events.Decode[T](e)
		if err != nil {
			return events.Permanent(err)
		}
		return fn(ctx, tx, e, data)
	}
}

// Subscribe registers every product handler on bus until ctx ends. The
// events go through one lane, in publish order, in batches of up to
// MaxBatch; a batch that fails is handled again one event at a time, so a
// poison event is dead-lettered alone.
func Subscribe(ctx context.Context, bus events.Subscriber, c *catalog.Service, inbox Inbox) error {
	vendor := ReplicateVendorOnVendorChanged(c)
	handlers := map[string]TxHandler{
		events.VendorRegistered: vendor,
		events.VendorUpdated:    vendor,
		events.AssetDeleted:     DetachImageOnAssetDeleted(c),
	}
	types := make([]string, 0, len(handlers))
	for t := range handlers {
		types = append(types, t)
	}
	slices.Sort(types)
	route := func(ctx context.Context, tx catalog.Tx, e events.Envelope) error {
		h, ok := handlers[e.Type]
		if !ok {
			return events.Permanent(fmt.Errorf("no handler for %s", e.Type))
		}
		return h(ctx, tx, e)
	}
	return events.SubscribeBatch(ctx, bus, Subscriber, 1, MaxBatch, inbox.HandleBatch(Subscriber, route), types...)
}
