package rediscache_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platterhq/platter/internal/apperr"
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

func mongoStore(t *testing.T) *mongostore.Store {
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
	return mongostore.New(db)
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
	client := redisClient(t, testenv.Redis(t))
	prefix := testenv.Name("vendortest") + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := client.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			client.Del(ctx, keys...)
		}
	})
	inner := mongoStore(t)
	return rediscache.New(inner, client, prefix, ttl, logging.Discard()), inner, client, prefix
}

func TestCachedStoreConforms(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vendorprofile.Store {
		s, _, _, _ := cached(t)
		return s
	})
}

func TestReadsAreServedFromRedis(t *testing.T) {
	ctx := context.Background()
	s, inner, client, prefix := cached(t)
	v := storetest.Vendor(t, "Cached Curry", vendorprofile.StatusApproved)
	if err := s.Create(ctx, v); err != nil {
		t.Fatal(err)
	}
	if n, _ := client.Exists(ctx, prefix+v.ID).Result(); n != 0 {
		t.Fatal("a create filled the cache")
	}
	if _, err := s.ByID(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	left, err := client.TTL(ctx, prefix+v.ID).Result()
	if err != nil || left <= 0 || left > ttl {
		t.Fatalf("entry TTL %v (%v), want within %v", left, err, ttl)
	}
	// Changed behind the cache's back: the cache still answers the copy it
	// holds, which proves the read did not reach the store.
	if _, err := inner.Update(ctx, v.ID, func(v *vendorprofile.Vendor) error { v.Name = "Renamed"; return nil }); err != nil {
		t.Fatal(err)
	}
	got, err := s.ByID(ctx, v.ID)
	if err != nil || got.Name != "Cached Curry" {
		t.Fatalf("got %v %+v, want the cached copy", err, got)
	}
	// An update through the cache drops the entry; the next read is fresh.
	if _, err := s.Update(ctx, v.ID, func(v *vendorprofile.Vendor) error { return v.SetOpen(true) }); err != nil {
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
	if n, _ := client.Exists(ctx, prefix+v.ID).Result(); n != 0 {
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
		if err != nil || got != v {
			t.Fatalf("uncached read: %v %+v", err, got)
		}
	}
	updated, err := s.Update(ctx, v.ID, func(v *vendorprofile.Vendor) error { return v.SetOpen(true) })
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
	if !strings.Contains(out, "vendor cache entry not invalidated") {
		t.Fatalf("the skipped invalidation was not logged:\n%s", out)
	}
}
