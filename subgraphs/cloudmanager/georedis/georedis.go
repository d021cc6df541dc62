// Package georedis keeps geocoding answers and callers' quota counts in
// Redis, shared by every replica. Redis is optional at run time: while it
// fails, answers are not cached and quotas are counted per process, and
// the failure is logged once, not on every request.
package georedis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platterhq/platter/subgraphs/cloudmanager/geocode"
)

// Cooldown is how long Redis is left alone after it fails, so that an
// outage costs one timeout per period instead of one per request.
const Cooldown = 5 * time.Second

// health tracks whether Redis is worth trying.
type health struct {
	log  *slog.Logger
	what string

	mu        sync.Mutex
	down      bool
	downUntil time.Time
}

func (h *health) usable() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.down || time.Now().After(h.downUntil)
}

func (h *health) failed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return // the caller gave up; that says nothing about Redis
	}
	h.mu.Lock()
	wasDown := h.down
	h.down, h.downUntil = true, time.Now().Add(Cooldown)
	h.mu.Unlock()
	if !wasDown {
		h.log.WarnContext(ctx, h.what+" unavailable; going on without Redis", "error", err.Error(), "retry_after", Cooldown.String())
	}
}

func (h *health) succeeded(ctx context.Context) {
	h.mu.Lock()
	wasDown := h.down
	h.down = false
	h.mu.Unlock()
	if wasDown {
		h.log.InfoContext(ctx, h.what+" available again")
	}
}

// Cache is a geocode.Cache in Redis.
type Cache struct {
	redis  *redis.Client
	prefix string
	health *health
}

var _ geocode.Cache = (*Cache)(nil)

// NewCache keeps answers under prefix + a hash of the address.
func NewCache(client *redis.Client, prefix string, log *slog.Logger) *Cache {
	return &Cache{redis: client, prefix: prefix, health: &health{log: log, what: "geocoding cache"}}
}

// entry is the cached form; its JSON names are the cache's format.
type entry struct {
	Found   bool    `json:"found"`
	Lat     float64 `json:"lat"`
	Lng     float64 `json:"lng"`
	Address string  `json:"address"`
	PlaceID string  `json:"place_id"`
}

// key hashes the address: keys stay short, and addresses (personal data)
// are not readable from a key listing.
func (c *Cache) key(address string) string {
	sum := sha256.Sum256([]byte(address))
	return c.prefix + hex.EncodeToString(sum[:16])
}

func (c *Cache) Get(ctx context.Context, address string) (geocode.Result, bool) {
	if !c.health.usable() {
		return geocode.Result{}, false
	}
	raw, err := c.redis.Get(ctx, c.key(address)).Bytes()
	if err == redis.Nil {
		c.health.succeeded(ctx)
		return geocode.Result{}, false
	}
	if err != nil {
		c.health.failed(ctx, err)
		return geocode.Result{}, false
	}
	c.health.succeeded(ctx)
	var e entry
	if json.Unmarshal(raw, &e) != nil {
		return geocode.Result{}, false // another format: resolved again and overwritten
	}
	return geocode.Result{Found: e.Found, Point: geocode.Point{Lat: e.Lat, Lng: e.Lng}, Address: e.Address, PlaceID: e.PlaceID}, true
}

func (c *Cache) Set(ctx context.Context, address string, r geocode.Result, ttl time.Duration) {
	if !c.health.usable() {
		return
	}
	raw, err := json.Marshal(entry{Found: r.Found, Lat: r.Point.Lat, Lng: r.Point.Lng, Address: r.Address, PlaceID: r.PlaceID})
	if err != nil {
		return
	}
	if err := c.redis.Set(ctx, c.key(address), raw, ttl).Err(); err != nil {
		c.health.failed(ctx, err)
		return
	}
	c.health.succeeded(ctx)
}

// Quota is a geocode.Quota counted in Redis in fixed windows, shared by
// every replica; while Redis fails it counts in Fallback.
type Quota struct {
	redis    *redis.Client
	prefix   string
	limit    int
	window   time.Duration
	fallback *geocode.LocalQuota
	health   *health
}

var _ geocode.Quota = (*Quota)(nil)

// NewQuota allows limit calls per caller per window.
func NewQuota(client *redis.Client, prefix string, limit int, window time.Duration, log *slog.Logger) *Quota {
	return &Quota{
		redis: client, prefix: prefix, limit: limit, window: window,
		fallback: &geocode.LocalQuota{Limit: limit, Window: window},
		health:   &health{log: log, what: "geocoding quota store"},
	}
}

func (q *Quota) Take(ctx context.Context, caller string) error {
	if !q.health.usable() {
		return q.fallback.Take(ctx, caller)
	}
	now := time.Now()
	start := now.Truncate(q.window)
	key := q.prefix + caller + ":" + strconv.FormatInt(start.Unix(), 10)
	var incr *redis.IntCmd
	_, err := q.redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.Incr(ctx, key)
		p.Expire(ctx, key, q.window+time.Minute)
		return nil
	})
	if err != nil {
		q.health.failed(ctx, err)
		return q.fallback.Take(ctx, caller)
	}
	q.health.succeeded(ctx)
	if incr.Val() > int64(q.limit) {
		return geocode.RateLimited(q.limit, q.window, start.Add(q.window).Sub(now))
	}
	return nil
}
