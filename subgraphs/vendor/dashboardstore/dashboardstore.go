// Package dashboardstore keeps the vendor dashboard's projection in
// MongoDB: one document per order and one per review, each replaced whole
// on a {_id, version} filter, read by vendor and time range. It keeps to
// the subset that behaves the same on the embedded server (see
// design/STORES.md): no aggregation, plain range finds, one named index
// per createIndexes call.
package dashboardstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/mongoevents"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/subgraphs/vendorsvc/dashboard"
)

// Collection names; the vendor subgraph's other collections do not start
// with "dashboard_".
const (
	ordersCollection  = "dashboard_orders"
	reviewsCollection = "dashboard_reviews"
)

// Store is the dashboard projection store.
type Store struct {
	orders  *mongo.Collection
	reviews *mongo.Collection
	// locks serialises read-change-write cycles per document within the
	// process: the embedded server checks a replace's {_id, version} filter
	// and writes in two steps, so two deliveries of one order at the same
	// moment could both pass the filter. Across replicas on real MongoDB
	// the version filter does the work.
	locks *mongoevents.Locks
}

var _ dashboard.Store = (*Store)(nil)

type orderDoc struct {
	ID          string     `bson:"_id"`
	VendorID    string     `bson:"vendor_id"`
	CustomerID  string     `bson:"customer_id"`
	Status      string     `bson:"status"`
	Amount      int64      `bson:"total_amount"`
	Currency    string     `bson:"total_currency"`
	PlacedAt    time.Time  `bson:"placed_at"`
	DeliveredAt *time.Time `bson:"delivered_at,omitempty"` // absent until delivered, so the delivered index holds delivered orders only
	Version     int64      `bson:"version"`
}

type reviewDoc struct {
	ID         string    `bson:"_id"`
	VendorID   string    `bson:"vendor_id"`
	TargetType string    `bson:"target_type"`
	Rating     int       `bson:"rating"`
	CreatedAt  time.Time `bson:"created_at"`
	Deleted    bool      `bson:"deleted"`
	Version    int64     `bson:"version"`
}

// Migrate creates the indexes the dashboard's range reads use; it is safe
// to run on every start.
func Migrate(ctx context.Context, db *mongo.Database) error {
	indexes := []struct {
		coll string
		name string
		keys bson.D
	}{
		{ordersCollection, "vendor_placed_at", bson.D{{Key: "vendor_id", Value: 1}, {Key: "placed_at", Value: 1}}},
		{ordersCollection, "vendor_delivered_at", bson.D{{Key: "vendor_id", Value: 1}, {Key: "delivered_at", Value: 1}}},
		{reviewsCollection, "vendor_created_at", bson.D{{Key: "vendor_id", Value: 1}, {Key: "created_at", Value: 1}}},
	}
	// One index per call: the embedded server mishandles several.
	for _, ix := range indexes {
		_, err := db.Collection(ix.coll).Indexes().CreateOne(ctx, mongo.IndexModel{
			Keys:    ix.keys,
			Options: options.Index().SetName(ix.name),
		})
		if err != nil {
			return fmt.Errorf("%s index %s: %w", ix.coll, ix.name, err)
		}
	}
	return nil
}

// New returns the store on db. Run Migrate first.
func New(db *mongo.Database) *Store {
	return &Store{
		orders:  db.Collection(ordersCollection),
		reviews: db.Collection(reviewsCollection),
		locks:   &mongoevents.Locks{},
	}
}

func (s *Store) UpdateOrder(ctx context.Context, id string, change func(cur *dashboard.Order) (*dashboard.Order, error)) error {
	return update(ctx, s.locks, s.orders, id, func(cur *orderDoc) (*orderDoc, error) {
		var o *dashboard.Order
		if cur != nil {
			v := cur.order()
			o = &v
		}
		next, err := change(o)
		if next == nil || err != nil {
			return nil, err
		}
		d := toOrderDoc(*next)
		return &d, nil
	}, func(d *orderDoc) (string, int64) { return d.ID, d.Version })
}

func (s *Store) UpdateReview(ctx context.Context, id string, change func(cur *dashboard.Review) (*dashboard.Review, error)) error {
	return update(ctx, s.locks, s.reviews, id, func(cur *reviewDoc) (*reviewDoc, error) {
		var r *dashboard.Review
		if cur != nil {
			v := cur.review()
			r = &v
		}
		next, err := change(r)
		if next == nil || err != nil {
			return nil, err
		}
		d := toReviewDoc(*next)
		return &d, nil
	}, func(d *reviewDoc) (string, int64) { return d.ID, d.Version })
}

// updateAttempts bounds retries of a read-change-write that lost a race
// to another process.
const updateAttempts = 5

// update loads the document id of coll, applies change and saves the
// result: an insert when there was none, otherwise a replace guarded by
// the version read.
func update[D any](ctx context.Context, locks *mongoevents.Locks, coll *mongo.Collection, id string,
	change func(cur *D) (*D, error), key func(*D) (string, int64),
) error {
	unlock, err := locks.Lock(coll, id)
	if err != nil {
		return err
	}
	defer unlock()
	for range updateAttempts {
		var cur *D
		var d D
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
		case err != nil:
			return fmt.Errorf("load %s %s: %w", coll.Name(), id, err)
		default:
			cur = &d
		}
		next, err := change(cur)
		if err != nil || next == nil {
			return err
		}
		if nextID, _ := key(next); nextID != id {
			return fmt.Errorf("%s %s: the change returned document %q", coll.Name(), id, nextID)
		}
		if cur == nil {
			_, err := coll.InsertOne(ctx, next)
			if mongodb.IsDuplicateKey(err) {
				continue // another process inserted it first: change that
			}
			if err != nil {
				return fmt.Errorf("insert %s %s: %w", coll.Name(), id, err)
			}
			return nil
		}
		_, version := key(cur)
		res, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}}, next)
		if err != nil {
			return fmt.Errorf("replace %s %s: %w", coll.Name(), id, err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	return fmt.Errorf("%s %s: too many concurrent writers", coll.Name(), id)
}

func (s *Store) OrdersPlaced(ctx context.Context, vendorID string, r dashboard.Range) ([]dashboard.Order, error) {
	return s.findOrders(ctx, bson.D{{Key: "vendor_id", Value: vendorID}, {Key: "placed_at", Value: rangeFilter(r)}})
}

func (s *Store) OrdersDelivered(ctx context.Context, vendorID string, r dashboard.Range) ([]dashboard.Order, error) {
	return s.findOrders(ctx, bson.D{{Key: "vendor_id", Value: vendorID}, {Key: "delivered_at", Value: rangeFilter(r)}})
}

func (s *Store) findOrders(ctx context.Context, filter bson.D) ([]dashboard.Order, error) {
	cur, err := s.orders.Find(ctx, filter)
	if err != nil {
		return nil, err
	}
	var docs []orderDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]dashboard.Order, len(docs))
	for i, d := range docs {
		out[i] = d.order()
	}
	return out, nil
}

func (s *Store) Reviews(ctx context.Context, vendorID string, r dashboard.Range) ([]dashboard.Review, error) {
	cur, err := s.reviews.Find(ctx, bson.D{
		{Key: "vendor_id", Value: vendorID},
		{Key: "created_at", Value: rangeFilter(r)},
		{Key: "deleted", Value: false},
	})
	if err != nil {
		return nil, err
	}
	var docs []reviewDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]dashboard.Review, len(docs))
	for i, d := range docs {
		out[i] = d.review()
	}
	return out, nil
}

func (s *Store) Currency(ctx context.Context, vendorID string) (string, error) {
	var d orderDoc
	err := s.orders.FindOne(ctx, bson.D{{Key: "vendor_id", Value: vendorID}},
		options.FindOne().SetSort(bson.D{{Key: "placed_at", Value: -1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return d.Currency, nil
}

// rangeFilter is the condition on a time field for r; an open range still
// requires the field, so that undelivered orders never match.
func rangeFilter(r dashboard.Range) bson.D {
	var cond bson.D
	if !r.From.IsZero() {
		cond = append(cond, bson.E{Key: "$gte", Value: r.From.UTC()})
	}
	if !r.To.IsZero() {
		cond = append(cond, bson.E{Key: "$lt", Value: r.To.UTC()})
	}
	if len(cond) == 0 {
		cond = bson.D{{Key: "$exists", Value: true}}
	}
	return cond
}

func toOrderDoc(o dashboard.Order) orderDoc {
	d := orderDoc{
		ID: o.ID, VendorID: o.VendorID, CustomerID: o.CustomerID, Status: o.Status,
		Amount: o.Total.Amount, Currency: o.Total.Currency, PlacedAt: o.PlacedAt.UTC(), Version: o.Version,
	}
	if !o.DeliveredAt.IsZero() {
		t := o.DeliveredAt.UTC()
		d.DeliveredAt = &t
	}
	return d
}

func (d orderDoc) order() dashboard.Order {
	o := dashboard.Order{
		ID: d.ID, VendorID: d.VendorID, CustomerID: d.CustomerID, Status: d.Status,
		Total: events.Money{Amount: d.Amount, Currency: d.Currency}, PlacedAt: d.PlacedAt.UTC(), Version: d.Version,
	}
	if d.DeliveredAt != nil {
		o.DeliveredAt = d.DeliveredAt.UTC()
	}
	return o
}

func toReviewDoc(r dashboard.Review) reviewDoc {
	return reviewDoc{
		ID: r.ID, VendorID: r.VendorID, TargetType: r.TargetType, Rating: r.Rating,
		CreatedAt: r.CreatedAt.UTC(), Deleted: r.Deleted, Version: r.Version,
	}
}

func (d reviewDoc) review() dashboard.Review {
	return dashboard.Review{
		ID: d.ID, VendorID: d.VendorID, TargetType: d.TargetType, Rating: d.Rating,
		CreatedAt: d.CreatedAt.UTC(), Deleted: d.Deleted, Version: d.Version,
	}
}
