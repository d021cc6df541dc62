// Package dashboard is the vendor owner's dashboard: orders, earnings and
// reviews over time, in the vendor's time zone, and the vendor's best
// customers.
//
// It reads a local projection fed by shopping's order events and
// feedback's review events. The projection keeps one snapshot per order
// and one per review, replaced only by a higher version, and the buckets
// are computed in Go from the snapshots of one vendor and time range.
// Pre-aggregated bucket counters were the alternative; they were not
// chosen because:
//
//   - an order moves between buckets and counts as it changes (placed,
//     then cancelled or delivered, each at its own time) and a review's
//     rating can be edited or the review deleted: counters would need the
//     previous snapshot anyway, and a counter update plus a snapshot update
//     is two documents, which the embedded MongoDB-wire server cannot write
//     atomically (no transactions), so a crash between them would count an
//     event twice or never;
//   - buckets depend on the vendor's time zone and the window, which the
//     snapshots let any query choose (a vendor moving zones changes
//     nothing stored);
//   - with one snapshot per order, redelivered, concurrent and
//     out-of-order events cannot count twice by construction: the newest
//     version wins and a query sees each order once.
//
// The cost is reading a vendor's orders of the window at each query: about
// ten thousand small documents for a busy month (see the store benchmark).
package dashboard

import (
	"context"
	"time"

	"github.com/platterhq/platter/internal/events"
)

// Metric is what a dashboard series measures.
type Metric string

const (
	// MetricOrders counts the orders placed in each bucket: Count those
	// that are going ahead or were delivered, Lost those that were
	// rejected, expired or cancelled.
	MetricOrders Metric = "ORDERS"
	// MetricEarnings sums the totals of the orders delivered in each bucket
	// (by delivery time: an order earns when the food reaches the
	// customer, and an order cancelled later never earned); Count is how
	// many were delivered.
	MetricEarnings Metric = "EARNINGS"
	// MetricReviews counts the reviews written in each bucket about the
	// vendor or one of its products, with their average rating. Deleted
	// reviews do not count; an edited rating replaces the old one.
	MetricReviews Metric = "REVIEWS"
)

// Valid reports whether m is a known metric.
func (m Metric) Valid() bool {
	switch m {
	case MetricOrders, MetricEarnings, MetricReviews:
		return true
	}
	return false
}

// Bucket is one time bucket of a series: [Start, End).
type Bucket struct {
	Start time.Time
	End   time.Time
	// Count is the metric's count: orders placed and not lost (ORDERS),
	// orders delivered (EARNINGS), reviews written (REVIEWS).
	Count int
	// Lost is, for ORDERS, the orders placed in the bucket that were
	// rejected, expired or cancelled; zero for the other metrics.
	Lost int
	// Amount is, for EARNINGS, the sum of the delivered orders' totals:
	// zero in the vendor's currency when nothing was delivered, nil when
	// the vendor has never had an order (so no currency is known) and for
	// the other metrics.
	Amount *events.Money
	// AverageRating is, for REVIEWS, the mean rating of the bucket's
	// reviews; nil when there are none and for the other metrics.
	AverageRating *float64
}

// CustomerStat is what one customer bought from the vendor: delivered
// orders only.
type CustomerStat struct {
	CustomerID string
	Orders     int
	Spent      events.Money
}

// Order statuses the projection tells apart; the others are orders still
// on their way.
const (
	StatusDelivered = "DELIVERED"
	StatusRejected  = "REJECTED"
	StatusExpired   = "EXPIRED"
	StatusCancelled = "CANCELLED"
)

// Order is the projection's snapshot of one order.
type Order struct {
	ID         string
	VendorID   string
	CustomerID string
	Status     string
	Total      events.Money
	PlacedAt   time.Time
	// DeliveredAt is when the order was delivered; zero until then.
	DeliveredAt time.Time
	// Version is the order's version in shopping; a snapshot is replaced
	// only by a higher one.
	Version int64
}

// Lost reports whether the order will never be prepared or delivered.
func (o Order) Lost() bool {
	switch o.Status {
	case StatusRejected, StatusExpired, StatusCancelled:
		return true
	}
	return false
}

// Review target types the dashboard counts. Courier reviews are about the
// courier, not the vendor, and are left out.
const (
	TargetVendor  = "VENDOR"
	TargetProduct = "PRODUCT"
)

// Review is the projection's snapshot of one review about a vendor or one
// of its products.
type Review struct {
	ID         string
	VendorID   string
	TargetType string
	Rating     int
	CreatedAt  time.Time
	// Deleted reviews are kept as tombstones, so that an older event
	// arriving late cannot bring them back.
	Deleted bool
	Version int64
}

// Range is a time range [From, To); a zero bound is open.
type Range struct {
	From time.Time
	To   time.Time
}

// Store keeps the projection.
type Store interface {
	// UpdateOrder loads the order with this id (nil when unknown), calls
	// change and saves what it returns; nil means "nothing to save".
	// Changes to one order are serialised, so change sees the latest
	// snapshot. change may be called more than once.
	UpdateOrder(ctx context.Context, id string, change func(cur *Order) (*Order, error)) error
	// UpdateReview is UpdateOrder for reviews.
	UpdateReview(ctx context.Context, id string, change func(cur *Review) (*Review, error)) error
	// OrdersPlaced returns the vendor's orders placed within r, in any
	// order.
	OrdersPlaced(ctx context.Context, vendorID string, r Range) ([]Order, error)
	// OrdersDelivered returns the vendor's orders delivered within r, in
	// any order.
	OrdersDelivered(ctx context.Context, vendorID string, r Range) ([]Order, error)
	// Reviews returns the vendor's reviews created within r and not
	// deleted, in any order.
	Reviews(ctx context.Context, vendorID string, r Range) ([]Review, error)
	// Currency returns the currency of the vendor's latest order, or ""
	// when it has none.
	Currency(ctx context.Context, vendorID string) (string, error)
}
