// Package mongostore keeps customer accounts in MongoDB, within the portable
// subset that also behaves on the embedded server: documents addressed by
// _id, a unique index for emails, plain equality finds.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
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
}

// Migrate creates the collections' indexes; it is safe to run on every start.
func Migrate(ctx context.Context, db *mongo.Database) error {
	_, err := db.Collection("customers").Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "email", Value: 1}},
		Options: options.Index().SetUnique(true).SetName("email_unique"),
	})
	if err != nil {
		return fmt.Errorf("customers indexes: %w", err)
	}
	return nil
}

// New returns the store on db. Run Migrate first.
func New(db *mongo.Database) *Store {
	return &Store{customers: db.Collection("customers"), locks: &mongoevents.Locks{}}
}

func (s *Store) Create(ctx context.Context, c account.Customer) error {
	_, err := s.customers.InsertOne(ctx, toDoc(c))
	if mongodb.IsDuplicateKey(err) {
		return &apperr.Error{Code: apperr.Conflict, Field: "email", Message: "is already registered"}
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
	cur, err := s.customers.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
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
	var d customerDoc
	err := s.customers.FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return account.Customer{}, apperr.E(apperr.NotFound, "customer not found")
	}
	if err != nil {
		return account.Customer{}, err
	}
	return fromDoc(d), nil
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
	unlock, err := s.locks.Lock(s.customers, id)
	if err != nil {
		return account.Customer{}, err
	}
	defer unlock()
	for range updateAttempts {
		c, err := s.ByID(ctx, id)
		if err != nil {
			return account.Customer{}, err
		}
		version := c.Version
		if err := change(&c); err != nil {
			return account.Customer{}, err
		}
		c.Version = version + 1
		// Whole-document replace guarded by the version read: the portable
		// form of optimistic concurrency on MongoDB and the embedded server.
		res, err := s.customers.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}}, toDoc(c))
		if mongodb.IsDuplicateKey(err) {
			return account.Customer{}, &apperr.Error{Code: apperr.Conflict, Field: "email", Message: "is already registered"}
		}
		if err != nil {
			return account.Customer{}, err
		}
		if res.MatchedCount == 1 {
			return c, nil
		}
	}
	return account.Customer{}, apperr.E(apperr.Conflict, "the customer changed concurrently; try again")
}
