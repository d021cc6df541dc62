package mongostore

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/subgraphs/customer/account"
)

// Products is the customer subgraph's replica of the products it needs to
// know about (existence and availability), fed by the product subgraph's
// events.
type Products struct{ c *mongo.Collection }

var _ account.Products = (*Products)(nil)

// NewProducts returns the replica on db.
func NewProducts(db *mongo.Database) *Products { return &Products{c: db.Collection("products")} }

type productDoc struct {
	ID        string `bson:"_id"`
	VendorID  string `bson:"vendor_id"`
	Available bool   `bson:"available"`
	Deleted   bool   `bson:"deleted"`
	Version   int64  `bson:"version"`
}

func (p *Products) ProductStates(ctx context.Context, ids []string) (map[string]account.ProductState, error) {
	out := map[string]account.ProductState{}
	if len(ids) == 0 {
		return out, nil
	}
	docs, err := mongodb.FindByIDs[productDoc](ctx, p.c, ids)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		out[d.ID] = account.ProductState{ID: d.ID, VendorID: d.VendorID, Available: d.Available, Deleted: d.Deleted, Version: d.Version}
	}
	return out, nil
}

// Apply keeps state unless the replica already holds the same or a newer
// version, so redelivered and out-of-order events have no effect. It
// reports whether it changed anything.
func (p *Products) Apply(ctx context.Context, st account.ProductState) (bool, error) {
	for range updateAttempts {
		var cur productDoc
		err := p.c.FindOne(ctx, bson.D{{Key: "_id", Value: st.ID}}).Decode(&cur)
		doc := productDoc{ID: st.ID, VendorID: st.VendorID, Available: st.Available, Deleted: st.Deleted, Version: st.Version}
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			_, err := p.c.InsertOne(ctx, doc)
			if mongodb.IsDuplicateKey(err) {
				continue // another writer inserted first: compare again
			}
			return err == nil, err
		case err != nil:
			return false, err
		case cur.Version >= st.Version:
			return false, nil
		}
		res, err := p.c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: st.ID}, {Key: "version", Value: cur.Version}}, doc)
		if err != nil {
			return false, err
		}
		if res.MatchedCount == 1 {
			return true, nil
		}
	}
	return false, errors.New("product replica: too many concurrent writers")
}
