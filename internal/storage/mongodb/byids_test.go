package mongodb_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/testenv"
)

type doc struct {
	ID    string `bson:"_id"`
	Title string `bson:"title"`
}

func TestFindByIDs(t *testing.T) {
	uri, db := testenv.Mongo(t)
	ctx := context.Background()
	client, err := mongodb.Connect(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	coll := client.Database(db).Collection("docs")
	var docs []any
	for i := range 50 {
		docs = append(docs, doc{ID: fmt.Sprintf("d%02d", i), Title: fmt.Sprintf("title %d", i)})
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}

	got, err := mongodb.FindByIDs[doc](ctx, coll, []string{"d07", "missing", "d42", "d07"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range got {
		if d.Title == "" {
			t.Fatalf("document %s decoded without its title", d.ID)
		}
		ids = append(ids, d.ID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if !slices.Equal(ids, []string{"d07", "d42"}) {
		t.Fatalf("found %v, want d07 and d42", ids)
	}
	if got, err := mongodb.FindByIDs[doc](ctx, coll, nil); err != nil || len(got) != 0 {
		t.Fatalf("no ids: %v, %v", got, err)
	}
	// Without MONGO_URI the tests run on the embedded server.
	embedded, err := mongodb.IsEmbedded(ctx, client)
	if err != nil || embedded != (os.Getenv("MONGO_URI") == "") {
		t.Fatalf("IsEmbedded = %v, %v with MONGO_URI %q", embedded, err, os.Getenv("MONGO_URI"))
	}
}
