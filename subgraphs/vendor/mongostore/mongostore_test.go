package mongostore_test

import (
	"context"
	"testing"

	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/vendorsvc/mongostore"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile/storetest"
)

// The suite runs on the embedded server, or on a real MongoDB when
// MONGO_URI is set: the same suite proves both behave alike.
func newStore(t *testing.T) vendorprofile.Store {
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
	return mongostore.New(db)
}

func TestStore(t *testing.T) {
	storetest.Run(t, newStore)
}
