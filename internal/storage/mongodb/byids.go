package mongodb

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// FindByIDs returns the documents of coll whose _id is one of ids, in no
// particular order; ids not found are left out.
//
// The embedded server answers an _id equality from its primary key but
// reads the whole collection for $in (measured here: 166 ms for two ids
// among 5,000 documents, against about 3 ms per _id lookup), so against it
// each id is looked up on its own, a few at a time. MongoDB gets one $in.
func FindByIDs[T any](ctx context.Context, coll *mongo.Collection, ids []string) ([]T, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	embedded, err := IsEmbedded(ctx, coll.Database().Client())
	if err != nil {
		return nil, err
	}
	if !embedded {
		cur, err := coll.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		if err != nil {
			return nil, err
		}
		var out []T
		if err := cur.All(ctx, &out); err != nil {
			return nil, err
		}
		return out, nil
	}
	found := make([]*T, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, lookupsAtOnce)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var doc T
			err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc)
			switch {
			case errors.Is(err, mongo.ErrNoDocuments):
			case err != nil:
				errs[i] = err
			default:
				found[i] = &doc
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make([]T, 0, len(ids))
	for _, d := range found {
		if d != nil {
			out = append(out, *d)
		}
	}
	return out, nil
}

// lookupsAtOnce bounds the concurrent _id lookups of one FindByIDs call.
const lookupsAtOnce = 8

var embeddedClients sync.Map // *mongo.Client → bool

// IsEmbedded reports whether client talks to the embedded MongoDB-wire
// server (FerretDB) rather than MongoDB, asking the server once per client.
func IsEmbedded(ctx context.Context, client *mongo.Client) (bool, error) {
	if v, ok := embeddedClients.Load(client); ok {
		return v.(bool), nil
	}
	var info bson.Raw
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false, fmt.Errorf("ask the server what it is: %w", err)
	}
	_, err := info.LookupErr("ferretdbVersion")
	embedded := err == nil
	embeddedClients.Store(client, embedded)
	return embedded, nil
}
