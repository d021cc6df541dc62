// Package authmongo keeps refresh sessions in a MongoDB collection, one
// document per refresh token, using only operations that behave the same on
// MongoDB and on the embedded server (no array matching, no transactions).
package authmongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/platterhq/platter/internal/auth"
)

// Store is an auth.SessionStore on one collection.
type Store struct{ c *mongo.Collection }

var _ auth.SessionStore = (*Store)(nil)

type doc struct {
	TokenHash string    `bson:"_id"`
	FamilyID  string    `bson:"family"`
	Subject   string    `bson:"subject"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
	Rotated   bool      `bson:"rotated"`
	Revoked   bool      `bson:"revoked"`
}

// New returns a store on coll and creates its indexes.
func New(ctx context.Context, coll *mongo.Collection) (*Store, error) {
	// One index per call: the embedded server fails a multi-index create
	// when the indexes already exist (every restart).
	for _, field := range []string{"family", "subject"} {
		_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: field, Value: 1}}, Options: options.Index().SetName(field)})
		if err != nil {
			return nil, fmt.Errorf("session indexes: %w", err)
		}
	}
	return &Store{c: coll}, nil
}

func (s *Store) CreateSession(ctx context.Context, ss auth.Session) error {
	_, err := s.c.InsertOne(ctx, doc{
		TokenHash: ss.TokenHash, FamilyID: ss.FamilyID, Subject: ss.Subject,
		CreatedAt: ss.CreatedAt.UTC(), ExpiresAt: ss.ExpiresAt.UTC(),
	})
	return err
}

func (s *Store) SessionByHash(ctx context.Context, hash string) (auth.Session, error) {
	var d doc
	err := s.c.FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return auth.Session{}, auth.ErrSessionNotFound
	}
	if err != nil {
		return auth.Session{}, err
	}
	return auth.Session{
		TokenHash: d.TokenHash, FamilyID: d.FamilyID, Subject: d.Subject,
		CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt, Rotated: d.Rotated, Revoked: d.Revoked,
	}, nil
}

func (s *Store) MarkRotated(ctx context.Context, hash string) (bool, error) {
	res, err := s.c.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: hash}, {Key: "rotated", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "rotated", Value: true}}}})
	if err != nil {
		return false, err
	}
	return res.ModifiedCount == 1, nil
}

func (s *Store) RevokeFamily(ctx context.Context, familyID string) error {
	_, err := s.c.UpdateMany(ctx, bson.D{{Key: "family", Value: familyID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	return err
}

func (s *Store) RevokeSubject(ctx context.Context, subject, exceptFamilyID string) error {
	filter := bson.D{{Key: "subject", Value: subject}}
	if exceptFamilyID != "" {
		filter = append(filter, bson.E{Key: "family", Value: bson.D{{Key: "$ne", Value: exceptFamilyID}}})
	}
	_, err := s.c.UpdateMany(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	return err
}

// PruneExpired deletes sessions that expired before now.
func (s *Store) PruneExpired(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.c.DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now.UTC()}}}}, options.DeleteMany())
	if err != nil {
		return 0, err
	}
	return res.DeletedCount, nil
}
