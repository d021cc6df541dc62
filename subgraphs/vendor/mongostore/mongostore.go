// Package mongostore keeps vendor profiles in MongoDB, within the portable
// subset that also behaves on the embedded server: documents addressed by
// _id, saved whole by replace on a {_id, version} filter.
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
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// Store is the vendor profile store.
type Store struct{ vendors *mongo.Collection }

var _ vendorprofile.Store = (*Store)(nil)

type vendorDoc struct {
	ID        string    `bson:"_id"`
	Name      string    `bson:"name"`
	About     string    `bson:"about"`
	Status    string    `bson:"status"`
	IsOpen    bool      `bson:"is_open"`
	Version   int64     `bson:"version"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// Migrate creates the collection's indexes; it is safe to run on every
// start. Public listings select approved vendors, newest first.
func Migrate(ctx context.Context, db *mongo.Database) error {
	_, err := db.Collection("vendors").Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "status", Value: 1}, {Key: "created_at", Value: -1}},
		Options: options.Index().SetName("status_created_at"),
	})
	if err != nil {
		return fmt.Errorf("vendors indexes: %w", err)
	}
	return nil
}

// New returns the store on db. Run Migrate first.
func New(db *mongo.Database) *Store { return &Store{vendors: db.Collection("vendors")} }

func (s *Store) Create(ctx context.Context, v vendorprofile.Vendor) error {
	_, err := s.vendors.InsertOne(ctx, toDoc(v))
	if mongodb.IsDuplicateKey(err) {
		return &apperr.Error{Code: apperr.Conflict, Field: "id", Message: "is already taken"}
	}
	return err
}

func (s *Store) ByID(ctx context.Context, id string) (vendorprofile.Vendor, error) {
	var d vendorDoc
	err := s.vendors.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return vendorprofile.Vendor{}, apperr.E(apperr.NotFound, "vendor not found")
	}
	if err != nil {
		return vendorprofile.Vendor{}, err
	}
	return fromDoc(d), nil
}

func (s *Store) ByIDs(ctx context.Context, ids []string) ([]vendorprofile.Vendor, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cur, err := s.vendors.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, err
	}
	var docs []vendorDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]vendorprofile.Vendor, len(docs))
	for i, d := range docs {
		out[i] = fromDoc(d)
	}
	return out, nil
}

// Update saves by whole-document replace filtered on the version it read:
// the embedded server has no transactions, and this is the same on both.
func (s *Store) Update(ctx context.Context, id string, change func(*vendorprofile.Vendor) error) (vendorprofile.Vendor, error) {
	v, err := s.ByID(ctx, id)
	if err != nil {
		return vendorprofile.Vendor{}, err
	}
	read := v.Version
	if err := change(&v); err != nil {
		return vendorprofile.Vendor{}, err
	}
	v.ID = id
	v.Version = read + 1
	res, err := s.vendors.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: read}}, toDoc(v))
	if err != nil {
		return vendorprofile.Vendor{}, err
	}
	if res.MatchedCount == 0 {
		return vendorprofile.Vendor{}, apperr.E(apperr.Conflict, "the vendor was changed meanwhile; try again")
	}
	return v, nil
}

func toDoc(v vendorprofile.Vendor) vendorDoc {
	return vendorDoc{
		ID: v.ID, Name: v.Name, About: v.About, Status: string(v.Status), IsOpen: v.IsOpen,
		Version: v.Version, CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC(),
	}
}

func fromDoc(d vendorDoc) vendorprofile.Vendor {
	return vendorprofile.Vendor{
		ID: d.ID, Name: d.Name, About: d.About, Status: vendorprofile.Status(d.Status), IsOpen: d.IsOpen,
		Version: d.Version, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
	}
}
