package rediscache_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/mongoevents"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/storage/redisdb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/vendorsvc/mongostore"
	"github.com/platterhq/platter/subgraphs/vendorsvc/rediscache"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile/storetest"
)

const ttl = time.Minute

func mongoDB(t *testing.T) *mongo.Database {
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
	return db
}

func mongoStore(t *testing.T) *mongostore.Store {
	t.Helper()
	return mongostore.New(mongoDB(t), &mongoevents.Locks{})
}

func redisClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	c, err := redisdb.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// cached returns the Mongo store behind the cache on the shared Redis server,
// under a key prefix of its own so parallel tests never meet.
func cached(t *testing.T) (*rediscache.Store, *mongostore.Store, *redis.Client, string) {
	t.Helper()
	client, prefix := sharedRedis(t)
	inner := mongoStore(t)
	return rediscache.New(inner, client, prefix, ttl, logging.Discard()), inner, client, prefix
}

func sharedRedis(t *testing.T) (*redis.Client, string) {
	t.Helper()
	client := redisClient(t, testenv.Redis(t))
	prefix := testenv.Name("vendortest") + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := client.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			client.Del(ctx, keys...)
		}
	})
	return client, prefix
}

func TestCachedStoreConforms(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (vendorprofile.Store, vendorprofile.Store) {
		client, prefix := sharedRedis(t)
		db := mongoDB(t)
		newOne := func() vendorprofile.Store {
			return rediscache.New(mongostore.New(db, &mongoevents.Locks{}), client, prefix, ttl, logging.Discard())
		}
		return newOne(), newOne()
	})
}

func TestReadsAreServedFromRedis(t *testing.T) {
	ctx := context.Background()
	s, inner, client, prefix := cached(t)
	v := storetest.Vendor(t, "Cached Curry", vendorprofile.StatusApproved)
	if err := s.Create(ctx, v); err != nil {
		t.Fatal(err)
	}
	// A write puts the vendor in the cache; drop it to see a read fill it.
	if n, _ := client.Del(ctx, prefix+"id:"+v.ID).Result(); n != 1 {
		t.Fatal("a create did not fill the cache")
	}
	if _, err := s.ByID(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	left, err := client.TTL(ctx, prefix+"id:"+v.ID).Result()
	if err != nil || left <= 0 || left > ttl {
		t.Fatalf("entry TTL %v (%v), want within %v", left, err, ttl)
	}
	// Changed behind the cache's back: the cache still answers the copy it
	// holds, which proves the read did not reach the store.
	if _, err := inner.Update(ctx, v.ID, set(func(v *vendorprofile.Vendor) error { v.Name = "Renamed"; return nil })); err != nil {
		t.Fatal(err)
	}
	got, err := s.ByID(ctx, v.ID)
	if err != nil || got.Name != "Cached Curry" {
		t.Fatalf("got %v %+v, want the cached copy", err, got)
	}
	// An update through the cache drops the entry; the next read is fresh.
	if _, err := s.Update(ctx, v.ID, set(func(v *vendorprofile.Vendor) error { return v.SetOpen(true) })); err != nil {
		t.Fatal(err)
	}
	got, err = s.ByID(ctx, v.ID)
	if err != nil || got.Name != "Renamed" || !got.IsOpen || got.Version != v.Version+2 {
		t.Fatalf("after update got %v %+v", err, got)
	}
}

func TestMissesAreNotCached(t *testing.T) {
	ctx := context.Background()
	s, _, client, prefix := cached(t)
	v := storetest.Vendor(t, "Late Arrival", vendorprofile.StatusApproved)
	if _, err := s.ByID(ctx, v.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("unknown id: %v", err)
	}
	if n, _ := client.Exists(ctx, prefix+"id:"+v.ID).Result(); n != 0 {
		t.Fatal("a miss was cached")
	}
	if err := s.Create(ctx, v); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ByID(ctx, v.ID); err != nil || got.ID != v.ID {
		t.Fatalf("created after a miss: %v %+v", err, got)
	}
}

func TestRedisDownStillAnswers(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	// Nothing listens on port 1: every Redis call fails at once.
	s := rediscache.New(mongoStore(t), redisClient(t, "redis://127.0.0.1:1/0"), "vendor:", ttl, log)

	v := storetest.Vendor(t, "Offline Grill", vendorprofile.StatusApproved)
	if err := s.Create(ctx, v); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 5 {
		got, err := s.ByID(ctx, v.ID)
		if err != nil || !storetest.Equal(got, v) {
			t.Fatalf("uncached read: %v %+v", err, got)
		}
	}
	updated, err := s.Update(ctx, v.ID, set(func(v *vendorprofile.Vendor) error { return v.SetOpen(true) }))
	if err != nil || !updated.IsOpen {
		t.Fatalf("uncached update: %v %+v", err, updated)
	}
	if got, err := s.ByID(ctx, v.ID); err != nil || !got.IsOpen {
		t.Fatalf("read after uncached update: %v %+v", err, got)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Fatalf("reads without Redis took %v", elapsed)
	}
	out := logs.String()
	if n := strings.Count(out, "vendor cache unavailable"); n != 1 {
		t.Fatalf("want the outage logged once, got %d times:\n%s", n, out)
	}
	if !strings.Contains(out, "vendor cache not updated") {
		t.Fatalf("the skipped invalidation was not logged:\n%s", out)
	}
}

func set(edit func(*vendorprofile.Vendor) error) vendorprofile.Change {
	return func(v *vendorprofile.Vendor) ([]events.Envelope, error) { return nil, edit(v) }
}

// A read that loaded a vendor before a write and caches it after the
// write must not bring the old vendor back: entries only replace older
// versions.
func TestSlowReadCannotUndoAWrite(t *testing.T) {
	ctx := context.Background()
	s, inner, _, _ := cached(t)
	v := storetest.Vendor(t, "Racer", vendorprofile.StatusApproved)
	if err := s.Create(ctx, v); err != nil {
		t.Fatal(err)
	}
	old, err := inner.ByID(ctx, v.ID) // the slow reader's copy
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, v.ID, set(func(v *vendorprofile.Vendor) error { v.Name = "Racer Two"; return nil })); err != nil {
		t.Fatal(err)
	}
	// The slow reader now fills the cache through the same path a read
	// takes, with what it loaded before the write.
	_ = s.Fill(ctx, old)
	got, err := s.ByID(ctx, v.ID)
	if err != nil || got.Name != "Racer Two" {
		t.Fatalf("read after write: %v %+v", err, got)
	}
}

// The public listing is cached, and any write moves it on.
func TestListingIsCachedAndInvalidated(t *testing.T) {
	ctx := context.Background()
	s, inner, _, _ := cached(t)
	a := storetest.Vendor(t, "Alpha", vendorprofile.StatusApproved)
	if err := s.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Public(ctx); err != nil || len(got) != 1 {
		t.Fatalf("first listing: %v %+v", err, got)
	}
	// Behind the cache's back: the cached listing still answers.
	b := storetest.Vendor(t, "Beta", vendorprofile.StatusApproved)
	if err := inner.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Public(ctx); err != nil || len(got) != 1 {
		t.Fatalf("cached listing: %v %+v", err, got)
	}
	if _, err := s.Update(ctx, a.ID, set(func(v *vendorprofile.Vendor) error { v.Name = "Alpha Two"; return nil })); err != nil {
		t.Fatal(err)
	}
	got, err := s.Public(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("listing after a write: %v %+v", err, got)
	}
	for _, v := range got {
		if v.ID == a.ID && v.Name != "Alpha Two" {
			t.Fatalf("stale vendor in the listing: %+v", v)
		}
	}
}

// Two processes share Redis: one keeps its decoded listing only while
// Redis holds the same listing, so another's write shows at once, also
// when Redis was emptied and the generations count again from the start.
func TestListingDecodedOnceFollowsOtherProcesses(t *testing.T) {
	ctx := context.Background()
	client, prefix := sharedRedis(t)
	inner := mongoStore(t)
	reader := rediscache.New(inner, client, prefix, ttl, logging.Discard())
	writer := rediscache.New(inner, client, prefix, ttl, logging.Discard())
	a := storetest.Vendor(t, "Alpha", vendorprofile.StatusApproved)
	if err := writer.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	names := func() []string {
		t.Helper()
		got, err := reader.Public(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range got {
			out = append(out, v.Name)
		}
		return out
	}
	for range 2 { // decoded, then reused
		if got := names(); len(got) != 1 || got[0] != "Alpha" {
			t.Fatalf("listing: %v", got)
		}
	}
	rename := func(name string) {
		t.Helper()
		if _, err := writer.Update(ctx, a.ID, set(func(v *vendorprofile.Vendor) error { v.Name = name; return nil })); err != nil {
			t.Fatal(err)
		}
	}
	rename("Alpha Two")
	if got := names(); len(got) != 1 || got[0] != "Alpha Two" {
		t.Fatalf("listing after another process's write: %v", got)
	}

	// Redis emptied: the next write brings the generation back to one the
	// reader has seen, with a different listing behind it.
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	if got := names(); len(got) != 1 || got[0] != "Alpha Two" {
		t.Fatalf("listing after Redis was emptied: %v", got)
	}
	rename("Alpha Three")
	if got := names(); len(got) != 1 || got[0] != "Alpha Three" {
		t.Fatalf("listing after a write on a repeated generation: %v", got)
	}
}
