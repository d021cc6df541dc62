// Package mongostore keeps customer accounts in MongoDB, within the portable
// subset that also behaves on the embedded server: documents addressed by
// _id, a unique index for emails, plain equality finds. Each customer
// document carries its own outbox (events not published yet) and inbox (ids
// of the latest events applied to it), so a change and its events, or an
// event and its effect, are one single-document write.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/mongoevents"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/subgraphs/customer/account"
)

// Store is the customer account store.
type Store struct {
	customers *mongo.Collection
	// locks serialises read-change-write cycles per customer within the
	// process: the embedded server checks a replace's {_id, version} filter
	// and writes in two steps, so the version alone does not stop a lost
	// update there. Real MongoDB needs no lock; across replicas the version
	// filter does the work.
	locks *mongoevents.Locks
	// wake is called after a write that added events (the relay's Notify).
	wake atomic.Pointer[func()]
}

var _ account.Store = (*Store)(nil)

type customerDoc struct {
	ID           string      `bson:"_id"`
	Name         string      `bson:"name"`
	Email        string      `bson:"email"`
	PasswordHash string      `bson:"password_hash"`
	Roles        []auth.Role `bson:"roles"`
	Phone        string      `bson:"phone,omitempty"`
	AvatarAsset  string      `bson:"avatar_asset,omitempty"`
	Addresses    []addrDoc   `bson:"addresses"`
	DefaultAddr  string      `bson:"default_address,omitempty"`
	Cart         []cartDoc   `bson:"cart"`
	Wishlist     []wishDoc   `bson:"wishlist"`
	Deleted      bool        `bson:"deleted"`
	Version      int64       `bson:"version"`
	CreatedAt    time.Time   `bson:"created_at"`
	UpdatedAt    time.Time   `bson:"updated_at"`

	mongoevents.Outbox `bson:",inline"`
	mongoevents.Inbox  `bson:",inline"`
}

// Migrate creates the collections' indexes; it is safe to run on every start.
// One index per call: the embedded server fails a call that creates several
// indexes once they exist.
func Migrate(ctx context.Context, db *mongo.Database) error {
	indexes := []mongo.IndexModel{
		{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true).SetName("email_unique")},
		// What the relay looks for, and what an asset deletion looks for.
		{Keys: bson.D{{Key: "outbox_pending", Value: 1}}, Options: options.Index().SetName("outbox_pending")},
		{Keys: bson.D{{Key: "avatar_asset", Value: 1}}, Options: options.Index().SetName("avatar_asset")},
	}
	for _, ix := range indexes {
		if _, err := db.Collection("customers").Indexes().CreateOne(ctx, ix); err != nil {
			return fmt.Errorf("customers indexes: %w", err)
		}
	}
	return nil
}

// New returns the store on db. Run Migrate first.
func New(db *mongo.Database) *Store {
	return &Store{customers: db.Collection("customers"), locks: &mongoevents.Locks{}}
}

// NewRelay returns the relay that publishes the events the store writes to
// pub; every write that adds events wakes it. Run it with Run.
func (s *Store) NewRelay(pub events.Publisher, log *slog.Logger) *mongoevents.Relay {
	r := mongoevents.NewRelay(pub, mongoevents.Options{Locks: s.locks, Logger: log}, s.customers)
	wake := r.Notify
	s.wake.Store(&wake)
	return r
}

func (s *Store) wakeRelay(evs []events.Envelope) {
	if w := s.wake.Load(); w != nil && len(evs) > 0 {
		(*w)()
	}
}

func (s *Store) Create(ctx context.Context, c account.Customer) error {
	d := toDoc(c)
	if err := d.Outbox.Add(c.Events...); err != nil {
		return err
	}
	_, err := s.customers.InsertOne(ctx, d)
	if mongodb.IsDuplicateKey(err) {
		return &apperr.Error{Code: apperr.Conflict, Field: "email", Message: "is already registered"}
	}
	if err == nil {
		s.wakeRelay(c.Events)
	}
	return err
}

func (s *Store) ByID(ctx context.Context, id string) (account.Customer, error) {
	return s.findOne(ctx, bson.D{{Key: "_id", Value: id}})
}

func (s *Store) ByEmail(ctx context.Context, email string) (account.Customer, error) {
	return s.findOne(ctx, bson.D{{Key: "email", Value: email}})
}

func (s *Store) ByIDs(ctx context.Context, ids []string) ([]account.Customer, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	docs, err := mongodb.FindByIDs[customerDoc](ctx, s.customers, ids)
	if err != nil {
		return nil, err
	}
	out := make([]account.Customer, len(docs))
	for i, d := range docs {
		out[i] = fromDoc(d)
	}
	return out, nil
}

func (s *Store) ByAvatar(ctx context.Context, assetID string) ([]account.Customer, error) {
	return s.find(ctx, bson.D{{Key: "avatar_asset", Value: assetID}})
}

// find returns the customers filter matches.
func (s *Store) find(ctx context.Context, filter bson.D) ([]account.Customer, error) {
	cur, err := s.customers.Find(ctx, filter)
	if err != nil {
		return nil, err
	}
	var docs []customerDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]account.Customer, len(docs))
	for i, d := range docs {
		out[i] = fromDoc(d)
	}
	return out, nil
}

func (s *Store) findOne(ctx context.Context, filter bson.D) (account.Customer, error) {
	d, err := s.findDoc(ctx, filter)
	if err != nil {
		return account.Customer{}, err
	}
	return fromDoc(d), nil
}

func (s *Store) findDoc(ctx context.Context, filter bson.D) (customerDoc, error) {
	var d customerDoc
	err := s.customers.FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return customerDoc{}, apperr.E(apperr.NotFound, "customer not found")
	}
	return d, err
}

type cartDoc struct {
	ProductID string    `bson:"product_id"`
	Quantity  int       `bson:"quantity"`
	AddedAt   time.Time `bson:"added_at"`
}

type wishDoc struct {
	ProductID string    `bson:"product_id"`
	AddedAt   time.Time `bson:"added_at"`
}

type addrDoc struct {
	ID         string   `bson:"id"`
	Label      string   `bson:"label,omitempty"`
	Street     string   `bson:"street"`
	City       string   `bson:"city"`
	PostalCode string   `bson:"postal_code"`
	Country    string   `bson:"country"`
	Lat        *float64 `bson:"lat,omitempty"`
	Lng        *float64 `bson:"lng,omitempty"`
}

func toDoc(c account.Customer) customerDoc {
	addrs := make([]addrDoc, len(c.Addresses))
	for i, a := range c.Addresses {
		addrs[i] = addrDoc{ID: a.ID, Label: a.Label, Street: a.Street, City: a.City, PostalCode: a.PostalCode, Country: a.Country}
		if a.Location != nil {
			lat, lng := a.Location.Lat, a.Location.Lng
			addrs[i].Lat, addrs[i].Lng = &lat, &lng
		}
	}
	cart := make([]cartDoc, len(c.Cart))
	for i, it := range c.Cart {
		cart[i] = cartDoc{ProductID: it.ProductID, Quantity: it.Quantity, AddedAt: it.AddedAt.UTC()}
	}
	wish := make([]wishDoc, len(c.Wishlist))
	for i, w := range c.Wishlist {
		wish[i] = wishDoc{ProductID: w.ProductID, AddedAt: w.AddedAt.UTC()}
	}
	return customerDoc{
		Cart: cart, Wishlist: wish,
		ID: c.ID, Name: c.Name, Email: c.Email, PasswordHash: c.PasswordHash, Roles: c.Roles,
		Phone: c.Phone, AvatarAsset: c.AvatarAssetID, Addresses: addrs, DefaultAddr: c.DefaultAddressID, Deleted: c.Deleted,
		Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
}

func fromDoc(d customerDoc) account.Customer {
	var addrs []account.Address
	for _, a := range d.Addresses {
		addr := account.Address{ID: a.ID, Label: a.Label, Street: a.Street, City: a.City, PostalCode: a.PostalCode, Country: a.Country}
		if a.Lat != nil && a.Lng != nil {
			addr.Location = &account.GeoPoint{Lat: *a.Lat, Lng: *a.Lng}
		}
		addrs = append(addrs, addr)
	}
	var cart []account.CartItem
	for _, it := range d.Cart {
		cart = append(cart, account.CartItem{ProductID: it.ProductID, Quantity: it.Quantity, AddedAt: it.AddedAt.UTC()})
	}
	var wish []account.WishlistItem
	for _, w := range d.Wishlist {
		wish = append(wish, account.WishlistItem{ProductID: w.ProductID, AddedAt: w.AddedAt.UTC()})
	}
	return account.Customer{
		Cart: cart, Wishlist: wish,
		ID: d.ID, Name: d.Name, Email: d.Email, PasswordHash: d.PasswordHash, Roles: d.Roles,
		Phone: d.Phone, AvatarAssetID: d.AvatarAsset, Addresses: addrs, DefaultAddressID: d.DefaultAddr, Deleted: d.Deleted,
		Version: d.Version, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
	}
}

// updateAttempts bounds retries of a read-change-write that lost a race.
const updateAttempts = 5

func (s *Store) Update(ctx context.Context, id string, change func(*account.Customer) error) (account.Customer, error) {
	c, _, err := s.update(ctx, id, "", change)
	return c, err
}

// ApplyEvent records eventID in the document's inbox in the same write as
// the change. A change returning account.ErrNoChange still records it, so
// a later copy of the event is recognised whatever the customer became.
func (s *Store) ApplyEvent(ctx context.Context, id, eventID string, change func(*account.Customer) error) (bool, error) {
	_, applied, err := s.update(ctx, id, eventID, change)
	return applied, err
}

// update is the read-change-write of Update and ApplyEvent (eventID "" for
// Update). It reports whether it saved.
func (s *Store) update(ctx context.Context, id, eventID string, change func(*account.Customer) error) (account.Customer, bool, error) {
	unlock, err := s.locks.Lock(s.customers, id)
	if err != nil {
		return account.Customer{}, false, err
	}
	defer unlock()
	for range updateAttempts {
		d, err := s.findDoc(ctx, bson.D{{Key: "_id", Value: id}})
		if err != nil {
			return account.Customer{}, false, err
		}
		c := fromDoc(d)
		if eventID != "" && d.Seen(eventID) {
			return c, false, nil
		}
		err = change(&c)
		switch {
		case errors.Is(err, account.ErrNoChange) && eventID == "":
			return fromDoc(d), false, nil
		case errors.Is(err, account.ErrNoChange):
			c = fromDoc(d) // only the inbox changes
		case err != nil:
			return account.Customer{}, false, err
		}
		next := toDoc(c)
		next.Version = d.Version + 1
		// The document's outbox and inbox are the store's, not the
		// domain's: carry them over and add to them.
		next.Outbox, next.Inbox = d.Outbox, d.Inbox
		if err := next.Outbox.Add(c.Events...); err != nil {
			return account.Customer{}, false, err
		}
		if eventID != "" {
			next.Mark(eventID)
		}
		// Whole-document replace guarded by the version read: the portable
		// form of optimistic concurrency on MongoDB and the embedded server.
		res, err := s.customers.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: d.Version}}, next)
		if mongodb.IsDuplicateKey(err) {
			return account.Customer{}, false, &apperr.Error{Code: apperr.Conflict, Field: "email", Message: "is already registered"}
		}
		if err != nil {
			return account.Customer{}, false, err
		}
		if res.MatchedCount == 1 {
			s.wakeRelay(c.Events)
			saved := fromDoc(next)
			return saved, true, nil
		}
	}
	return account.Customer{}, false, apperr.E(apperr.Conflict, "the customer changed concurrently; try again")
}
