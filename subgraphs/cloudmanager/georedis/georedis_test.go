package georedis_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/redisdb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/cloudmanager/geocode"
	"github.com/platterhq/platter/subgraphs/cloudmanager/georedis"
)

// servers are the Redis servers the adapters run against: the real one
// (services mode) and the embedded one (dev mode).
func servers(t *testing.T) map[string]*redis.Client {
	t.Helper()
	emb, err := redisdb.StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Close)
	out := map[string]*redis.Client{}
	for name, url := range map[string]string{"redis": testenv.Redis(t), "embedded": emb.URL()} {
		c, err := redisdb.Open(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		out[name] = c
	}
	return out
}

func TestCache(t *testing.T) {
	ctx := context.Background()
	for name, client := range servers(t) {
		t.Run(name, func(t *testing.T) {
			c := georedis.NewCache(client, testenv.Name("geo")+":", logging.Discard())
			if _, ok := c.Get(ctx, "via roma 1"); ok {
				t.Fatal("hit on an empty cache")
			}
			want := geocode.Result{Found: true, Point: geocode.Point{Lat: 45.5, Lng: 9.25}, Address: "Via Roma 1", PlaceID: "p1"}
			c.Set(ctx, "via roma 1", want, time.Minute)
			c.Set(ctx, "nowhere", geocode.Result{}, time.Minute)
			if got, ok := c.Get(ctx, "via roma 1"); !ok || got != want {
				t.Fatalf("got %+v %v", got, ok)
			}
			if got, ok := c.Get(ctx, "nowhere"); !ok || got.Found {
				t.Fatalf("a cached miss: %+v %v", got, ok)
			}
		})
	}
}

func TestQuota(t *testing.T) {
	ctx := context.Background()
	for name, client := range servers(t) {
		t.Run(name, func(t *testing.T) {
			q := georedis.NewQuota(client, testenv.Name("quota")+":", 3, time.Hour, logging.Discard())
			for i := range 3 {
				if err := q.Take(ctx, "caller-a"); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			if err := q.Take(ctx, "caller-a"); apperr.CodeOf(err) != apperr.RateLimited {
				t.Fatalf("over quota: %v", err)
			}
			if err := q.Take(ctx, "caller-b"); err != nil {
				t.Fatalf("another caller: %v", err)
			}
		})
	}
}

// With Redis down nothing fails: the cache misses and the quota is counted
// in the process.
func TestRedisDown(t *testing.T) {
	ctx := context.Background()
	client, err := redisdb.Open("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c := georedis.NewCache(client, "x:", logging.Discard())
	q := georedis.NewQuota(client, "x:", 2, time.Hour, logging.Discard())
	// The first call of each finds Redis down ...
	c.Set(ctx, "a", geocode.Result{Found: true}, time.Minute)
	if err := q.Take(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	// ... and the next ones skip it until the cooldown ends.
	start := time.Now()
	if _, ok := c.Get(ctx, "a"); ok {
		t.Fatal("a hit with Redis down")
	}
	if err := q.Take(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := q.Take(ctx, "a"); apperr.CodeOf(err) != apperr.RateLimited {
		t.Fatalf("fallback quota: %v", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("calls during the cooldown took %s: they should not try Redis", d)
	}
}
