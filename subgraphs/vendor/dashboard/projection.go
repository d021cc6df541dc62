package dashboard

import (
	"context"
	"errors"
	"fmt"

	"github.com/platterhq/platter/internal/events"
)

// Handlers returns the projection's handlers by event type, to merge into
// the vendor subgraph's Mux (one subscription per subgraph).
func (s *Service) Handlers() events.Mux {
	order := ProjectOrderOnOrderChanged(s.store)
	review := ProjectReviewOnReviewChanged(s.store)
	return events.Mux{
		events.OrderPlaced:    order,
		events.OrderAccepted:  order,
		events.OrderRejected:  order,
		events.OrderExpired:   order,
		events.OrderReady:     order,
		events.OrderPickedUp:  order,
		events.OrderDelivered: order,
		events.OrderCancelled: order,
		events.ReviewCreated:  review,
		events.ReviewUpdated:  review,
		events.ReviewDeleted:  review,
	}
}

// ProjectOrderOnOrderChanged keeps the order's snapshot from any order
// event. Every event carries the whole order and its version, and a
// snapshot is replaced only by a higher version, so a redelivered event
// changes nothing and an older one arriving late is ignored.
func ProjectOrderOnOrderChanged(store Store) events.Handler {
	return events.Typed(func(ctx context.Context, e events.Envelope, d events.OrderData) error {
		if err := checkOrder(d); err != nil {
			return events.Permanent(err)
		}
		return store.UpdateOrder(ctx, d.OrderID, func(cur *Order) (*Order, error) {
			return nextOrder(cur, e, d), nil
		})
	})
}

func checkOrder(d events.OrderData) error {
	var errs []error
	if d.OrderID == "" {
		errs = append(errs, errors.New("order_id is missing"))
	}
	if d.VendorID == "" {
		errs = append(errs, errors.New("vendor_id is missing"))
	}
	if d.CustomerID == "" {
		errs = append(errs, errors.New("customer_id is missing"))
	}
	if d.PlacedAt.IsZero() {
		errs = append(errs, errors.New("placed_at is missing"))
	}
	if d.Version < 1 {
		errs = append(errs, fmt.Errorf("version %d is not positive", d.Version))
	}
	return errors.Join(errs...)
}

// nextOrder returns the snapshot after event e carrying d, or nil when the
// projection already holds this version or a newer one.
//
// The delivery time is the order's own DeliveredAt; an event without one
// (an older producer) falls back to the time of the event that first
// showed the order delivered, kept from then on.
func nextOrder(cur *Order, e events.Envelope, d events.OrderData) *Order {
	if cur != nil && cur.Version >= d.Version {
		return nil
	}
	next := &Order{
		ID:         d.OrderID,
		VendorID:   d.VendorID,
		CustomerID: d.CustomerID,
		Status:     d.Status,
		Total:      d.Total,
		PlacedAt:   d.PlacedAt.UTC(),
		Version:    d.Version,
	}
	if d.Status == StatusDelivered {
		switch {
		case d.DeliveredAt != nil:
			next.DeliveredAt = d.DeliveredAt.UTC()
		case cur != nil && !cur.DeliveredAt.IsZero():
			next.DeliveredAt = cur.DeliveredAt
		default:
			next.DeliveredAt = e.Time.UTC()
		}
	}
	return next
}

// ProjectReviewOnReviewChanged keeps the review's snapshot from review
// events about a vendor or a product (courier reviews are not the
// vendor's), newest version wins. A deleted review stays as a tombstone,
// so the created event arriving after the deletion cannot revive it.
func ProjectReviewOnReviewChanged(store Store) events.Handler {
	return events.Typed(func(ctx context.Context, e events.Envelope, d events.ReviewData) error {
		if d.TargetType != TargetVendor && d.TargetType != TargetProduct {
			return nil
		}
		deleted := d.Deleted || e.Type == events.ReviewDeleted
		if err := checkReview(d, deleted); err != nil {
			return events.Permanent(err)
		}
		return store.UpdateReview(ctx, d.ReviewID, func(cur *Review) (*Review, error) {
			if cur != nil && cur.Version >= d.Version {
				return nil, nil
			}
			return &Review{
				ID:         d.ReviewID,
				VendorID:   d.VendorID,
				TargetType: d.TargetType,
				Rating:     d.Rating,
				CreatedAt:  d.CreatedAt.UTC(),
				Deleted:    deleted,
				Version:    d.Version,
			}, nil
		})
	})
}

func checkReview(d events.ReviewData, deleted bool) error {
	var errs []error
	if d.ReviewID == "" {
		errs = append(errs, errors.New("review_id is missing"))
	}
	if d.VendorID == "" {
		errs = append(errs, errors.New("vendor_id is missing"))
	}
	if d.CreatedAt.IsZero() {
		errs = append(errs, errors.New("created_at is missing"))
	}
	if !deleted && (d.Rating < 1 || d.Rating > 5) {
		errs = append(errs, fmt.Errorf("rating %d is not between 1 and 5", d.Rating))
	}
	if d.Version < 1 {
		errs = append(errs, fmt.Errorf("version %d is not positive", d.Version))
	}
	return errors.Join(errs...)
}
