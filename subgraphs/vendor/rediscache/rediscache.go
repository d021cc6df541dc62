// Package rediscache puts a Redis read-through cache in front of a vendor
// store: vendors by id, and the public listing every vendors query starts
// from. Vendor profiles are read on almost every page and change rarely,
// and the Mongo side is slow to read on the embedded server.
//
// A read after a write never sees the old value: a write puts the new
// vendor in the cache itself, and an entry only ever replaces an older
// version (a compare in Redis), so a slow read that loaded the old vendor
// before the write cannot put it back. The listing lives under a
// generation that every write bumps, so a listing loaded before a write is
// stored where nobody looks any more.
//
// The cache is optional at run time: when Redis fails, reads and writes go
// to the store alone and the failure is logged once, not on every request.
// An entry lives at most the TTL, which also bounds how stale it can be when
// a write could not reach Redis.
package rediscache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// Cooldown is how long the cache is bypassed after Redis fails, so that an
// outage costs one timeout per period instead of one per request.
const Cooldown = 5 * time.Second

// Backend is the store behind the cache.
type Backend interface {
	vendorprofile.Store
	vendorprofile.Lister
}

// Store is a vendorprofile.Store and Lister that caches reads in Redis.
type Store struct {
	next   Backend
	redis  *redis.Client
	prefix string
	ttl    time.Duration
	log    *slog.Logger

	mu        sync.Mutex
	down      bool
	downUntil time.Time
	lastErr   string

	// listing is the last cached listing this process decoded, reused
	// while Redis holds the very same bytes: decoding a few hundred
	// vendors took more CPU than the rest of a vendors query.
	listing atomic.Pointer[decodedListing]
}

// decodedListing is a cached listing as stored in Redis and as decoded.
type decodedListing struct {
	raw     string
	vendors []vendorprofile.Vendor
}

var (
	_ vendorprofile.Store  = (*Store)(nil)
	_ vendorprofile.Lister = (*Store)(nil)
)

// New caches next in client under keys starting with prefix for ttl.
func New(next Backend, client *redis.Client, prefix string, ttl time.Duration, log *slog.Logger) *Store {
	return &Store{next: next, redis: client, prefix: prefix, ttl: ttl, log: log}
}

// putNewer stores an entry "<version>|<json>" unless the key holds the same
// or a newer version.
var putNewer = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then
  local v = tonumber(string.match(cur, '^(%d+)|'))
  if v and v >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`)

func (s *Store) key(id string) string { return s.prefix + "id:" + id }
func (s *Store) genKey() string       { return s.prefix + "list:gen" }
func (s *Store) listKey(gen string) string {
	return s.prefix + "list:public:" + gen
}

// Status reports whether the cache is in use, for health details: nil, or
// why it is bypassed.
func (s *Store) Status() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return fmt.Errorf("vendor cache bypassed, serving from the store: %s", s.lastErr)
	}
	return nil
}

func (s *Store) Create(ctx context.Context, v vendorprofile.Vendor, publish ...events.Envelope) error {
	if err := s.next.Create(ctx, v, publish...); err != nil {
		return err
	}
	s.wrote(ctx, v)
	return nil
}

func (s *Store) ByEmail(ctx context.Context, email string) (vendorprofile.Vendor, error) {
	// Sign-in needs the password hash, which the cache never holds.
	return s.next.ByEmail(ctx, email)
}

func (s *Store) List(ctx context.Context, statuses ...vendorprofile.Status) ([]vendorprofile.Vendor, error) {
	return s.next.List(ctx, statuses...)
}

func (s *Store) ByID(ctx context.Context, id string) (vendorprofile.Vendor, error) {
	vs, err := s.ByIDs(ctx, []string{id})
	if err != nil {
		return vendorprofile.Vendor{}, err
	}
	if len(vs) == 0 {
		return s.next.ByID(ctx, id) // its NOT_FOUND
	}
	return vs[0], nil
}

// ByIDs reads every id in one MGET and the misses in one store query, then
// caches those in one pipeline. Misses are never cached.
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

// Public returns the approved vendors from the cached listing.
func (s *Store) Public(ctx context.Context) ([]vendorprofile.Vendor, error) {
	gen, ok := s.listGen(ctx)
	if ok {
		raw, err := s.redis.Get(ctx, s.listKey(gen)).Result()
		switch {
		case err == nil:
			if vs, ok := s.decodeListing(raw); ok {
				return vs, nil
			}
		case !errors.Is(err, redis.Nil):
			s.failed(ctx, err)
			ok = false
		}
	}
	vs, err := s.next.Public(ctx)
	if err != nil {
		return nil, err
	}
	if ok {
		for i := range vs {
			vs[i].PasswordHash = ""
		}
		if raw, err := json.Marshal(vs); err == nil {
			if err := s.redis.Set(ctx, s.listKey(gen), raw, s.ttl).Err(); err != nil {
				s.failed(ctx, err)
			}
		}
	}
	return vs, nil
}

// decodeListing decodes a cached listing, or reuses the last decoded one
// when raw is the same. The bytes are compared rather than the generation
// because a generation can repeat (Redis emptied, then counting again).
// Callers get their own slice; the vendors themselves are shared and are
// never changed by the callers.
func (s *Store) decodeListing(raw string) ([]vendorprofile.Vendor, bool) {
	if last := s.listing.Load(); last != nil && last.raw == raw {
		return slices.Clone(last.vendors), true
	}
	var vs []vendorprofile.Vendor
	if json.Unmarshal([]byte(raw), &vs) != nil {
		return nil, false
	}
	s.listing.Store(&decodedListing{raw: raw, vendors: vs})
	return slices.Clone(vs), true
}

// listGen returns the listing's current generation, false when Redis is
// not usable.
func (s *Store) listGen(ctx context.Context) (string, bool) {
	if !s.usable() {
		return "", false
	}
	gen, err := s.redis.Get(ctx, s.genKey()).Result()
	if errors.Is(err, redis.Nil) {
		return "0", true
	}
	if err != nil {
		s.failed(ctx, err)
		return "", false
	}
	s.succeeded(ctx)
	return gen, true
}

func (s *Store) Update(ctx context.Context, id string, change vendorprofile.Change) (vendorprofile.Vendor, error) {
	v, err := s.next.Update(ctx, id, change)
	if err != nil {
		return vendorprofile.Vendor{}, err
	}
	s.wrote(ctx, v)
	return v, nil
}

func (s *Store) Apply(ctx context.Context, id, eventID string, change vendorprofile.Change) (vendorprofile.Vendor, bool, error) {
	v, applied, err := s.next.Apply(ctx, id, eventID, change)
	if err != nil || !applied {
		return v, applied, err
	}
	s.wrote(ctx, v)
	return v, true, nil
}

// wrote puts the saved vendor in the cache and moves the listing to a new
// generation.
func (s *Store) wrote(ctx context.Context, v vendorprofile.Vendor) {
	ok := s.usable()
	if ok {
		s.put(ctx, v)
		if err := s.redis.Incr(ctx, s.genKey()).Err(); err != nil {
			s.failed(ctx, err)
			ok = false
		}
	}
	if !ok {
		s.log.WarnContext(ctx, "vendor cache not updated; a stale copy may be served until its TTL ends", "vendor_id", v.ID, "ttl", s.ttl.String())
	}
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
		raw, _ := val.(string)
		v, ok := decode(raw)
		if !ok || v.ID != ids[i] {
			// Absent, or an entry in an older format: read through and
			// overwrite.
			misses = append(misses, ids[i])
			continue
		}
		hits = append(hits, v)
	}
	return hits, misses
}

func decode(raw string) (vendorprofile.Vendor, bool) {
	_, body, ok := strings.Cut(raw, "|")
	var v vendorprofile.Vendor
	if !ok || json.Unmarshal([]byte(body), &v) != nil {
		return vendorprofile.Vendor{}, false
	}
	return v, true
}

// put caches vendors, never over a newer version. The password hash stays
// out of Redis.
func (s *Store) put(ctx context.Context, vendors ...vendorprofile.Vendor) {
	if len(vendors) == 0 || !s.usable() {
		return
	}
	_, err := s.redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, v := range vendors {
			v.PasswordHash = ""
			raw, err := json.Marshal(v)
			if err != nil {
				return err
			}
			entry := strconv.FormatInt(v.Version, 10) + "|" + string(raw)
			putNewer.Eval(ctx, p, []string{s.key(v.ID)}, v.Version, entry, s.ttl.Milliseconds())
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
	s.down, s.downUntil, s.lastErr = true, time.Now().Add(Cooldown), err.Error()
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
