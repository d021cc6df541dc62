// Package rediscache puts a Redis read-through cache in front of a vendor
// store. Vendor profiles are read on almost every page and change rarely,
// and the Mongo side is slow to read by id on the embedded server.
//
// The cache is optional at run time: when Redis fails, reads and writes go
// to the store alone and the failure is logged once, not on every request.
// An entry lives at most the TTL, which also bounds how stale it can be when
// an update could not remove it (Redis down) or raced a read that refilled
// it.
package rediscache

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platterhq/platter/subgraphs/vendor/vendorprofile"
)

// Cooldown is how long the cache is bypassed after Redis fails, so that an
// outage costs one timeout per period instead of one per request.
const Cooldown = 5 * time.Second

// Store is a vendorprofile.Store that caches ByID in Redis.
type Store struct {
	next   vendorprofile.Store
	redis  *redis.Client
	prefix string
	ttl    time.Duration
	log    *slog.Logger

	mu        sync.Mutex
	down      bool
	downUntil time.Time
}

var _ vendorprofile.Store = (*Store)(nil)

// New caches next in client under keys prefix+id for ttl.
func New(next vendorprofile.Store, client *redis.Client, prefix string, ttl time.Duration, log *slog.Logger) *Store {
	return &Store{next: next, redis: client, prefix: prefix, ttl: ttl, log: log}
}

// entry is the cached form; its JSON names are the cache's format.
type entry struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	About     string    `json:"about"`
	Status    string    `json:"status"`
	IsOpen    bool      `json:"is_open"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (s *Store) key(id string) string { return s.prefix + id }

func (s *Store) Create(ctx context.Context, v vendorprofile.Vendor) error {
	// Misses are never cached, so a new vendor needs no invalidation.
	return s.next.Create(ctx, v)
}

func (s *Store) ByID(ctx context.Context, id string) (vendorprofile.Vendor, error) {
	if v, ok := s.get(ctx, id); ok {
		return v, nil
	}
	v, err := s.next.ByID(ctx, id)
	if err != nil {
		return vendorprofile.Vendor{}, err
	}
	s.put(ctx, v)
	return v, nil
}

func (s *Store) Update(ctx context.Context, id string, change func(*vendorprofile.Vendor) error) (vendorprofile.Vendor, error) {
	v, err := s.next.Update(ctx, id, change)
	if err != nil {
		return vendorprofile.Vendor{}, err
	}
	if !s.invalidate(ctx, id) {
		s.log.WarnContext(ctx, "vendor cache entry not invalidated; a stale copy may be served until its TTL ends", "vendor_id", id, "ttl", s.ttl.String())
	}
	return v, nil
}

func (s *Store) invalidate(ctx context.Context, id string) bool {
	if !s.usable() {
		return false
	}
	if err := s.redis.Del(ctx, s.key(id)).Err(); err != nil {
		s.failed(ctx, err)
		return false
	}
	s.succeeded(ctx)
	return true
}

func (s *Store) get(ctx context.Context, id string) (vendorprofile.Vendor, bool) {
	if !s.usable() {
		return vendorprofile.Vendor{}, false
	}
	raw, err := s.redis.Get(ctx, s.key(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		s.succeeded(ctx)
		return vendorprofile.Vendor{}, false
	}
	if err != nil {
		s.failed(ctx, err)
		return vendorprofile.Vendor{}, false
	}
	s.succeeded(ctx)
	var e entry
	if err := json.Unmarshal(raw, &e); err != nil {
		// An entry in an older format: read through and overwrite it.
		return vendorprofile.Vendor{}, false
	}
	return vendorprofile.Vendor{
		ID: e.ID, Name: e.Name, About: e.About, Status: vendorprofile.Status(e.Status), IsOpen: e.IsOpen,
		Version: e.Version, CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(),
	}, true
}

func (s *Store) put(ctx context.Context, v vendorprofile.Vendor) {
	if !s.usable() {
		return
	}
	raw, err := json.Marshal(entry{
		ID: v.ID, Name: v.Name, About: v.About, Status: string(v.Status), IsOpen: v.IsOpen,
		Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt,
	})
	if err != nil {
		return
	}
	if err := s.redis.Set(ctx, s.key(v.ID), raw, s.ttl).Err(); err != nil {
		s.failed(ctx, err)
		return
	}
	s.succeeded(ctx)
}

// usable reports whether to try Redis: always, except during the cooldown
// after a failure.
func (s *Store) usable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.down || time.Now().After(s.downUntil)
}

func (s *Store) failed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return // the caller gave up; that says nothing about Redis
	}
	s.mu.Lock()
	wasDown := s.down
	s.down, s.downUntil = true, time.Now().Add(Cooldown)
	s.mu.Unlock()
	if !wasDown {
		s.log.WarnContext(ctx, "vendor cache unavailable; serving from the store uncached", "error", err.Error(), "retry_after", Cooldown.String())
	}
}

func (s *Store) succeeded(ctx context.Context) {
	s.mu.Lock()
	wasDown := s.down
	s.down = false
	s.mu.Unlock()
	if wasDown {
		s.log.InfoContext(ctx, "vendor cache available again")
	}
}
