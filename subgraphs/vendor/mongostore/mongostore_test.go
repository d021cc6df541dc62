package mongostore_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/platterhq/platter/internal/events/mongoevents"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/vendorsvc/mongostore"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile/storetest"
)

// Database returns a fresh, migrated database: on the embedded server, or
// on a real MongoDB when MONGO_URI is set, so the same suite proves both
// behave alike.
func database(t *testing.T) *mongo.Database {
	t.Helper()
	ctx := context.Background()
	uri, dbName := testenv.Mongo(t)
	client, err := mongodb.Connect(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	db := client.Database(dbName)
	if err := mongostore.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := mongostore.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate twice: %v", err)
	}
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (vendorprofile.Store, vendorprofile.Store) {
		db := database(t)
		return mongostore.New(db, &mongoevents.Locks{}), mongostore.New(db, &mongoevents.Locks{})
	})
}
