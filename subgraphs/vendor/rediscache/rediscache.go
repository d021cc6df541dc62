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
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
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

// ByIDs reads every id in one MGET and the misses in one store query, then
// caches those in one pipeline.
func (s *Store) ByIDs(ctx context.Context, ids []string) ([]vendorprofile.Vendor, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	hits, misses := s.getMany(ctx, ids)
	if len(misses) == 0 {
		return hits, nil
	}
	found, err := s.next.ByIDs(ctx, misses)
	if err != nil {
		return nil, err
	}
	s.put(ctx, found...)
	return append(hits, found...), nil
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
	hits, _ := s.getMany(ctx, []string{id})
	if len(hits) == 0 {
		return vendorprofile.Vendor{}, false
	}
	return hits[0], true
}

// getMany returns the cached vendors and the ids to read from the store:
// all of them when Redis is unusable.
func (s *Store) getMany(ctx context.Context, ids []string) (hits []vendorprofile.Vendor, misses []string) {
	if !s.usable() {
		return nil, ids
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.key(id)
	}
	vals, err := s.redis.MGet(ctx, keys...).Result()
	if err != nil {
		s.failed(ctx, err)
		return nil, ids
	}
	s.succeeded(ctx)
	for i, val := range vals {
		raw, ok := val.(string)
		var e entry
		// An entry in an older format is read through and overwritten.
		if !ok || json.Unmarshal([]byte(raw), &e) != nil || e.ID != ids[i] {
			misses = append(misses, ids[i])
			continue
		}
		hits = append(hits, vendorprofile.Vendor{
			ID: e.ID, Name: e.Name, About: e.About, Status: vendorprofile.Status(e.Status), IsOpen: e.IsOpen,
			Version: e.Version, CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(),
		})
	}
	return hits, misses
}

func (s *Store) put(ctx context.Context, vendors ...vendorprofile.Vendor) {
	if len(vendors) == 0 || !s.usable() {
		return
	}
	_, err := s.redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, v := range vendors {
			raw, err := json.Marshal(entry{
				ID: v.ID, Name: v.Name, About: v.About, Status: string(v.Status), IsOpen: v.IsOpen,
				Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt,
			})
			if err != nil {
				return err
			}
			p.Set(ctx, s.key(v.ID), raw, s.ttl)
		}
		return nil
	})
	if err != nil {
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
