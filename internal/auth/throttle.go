package auth

import (
	"sync"
	"time"

	"github.com/platterhq/platter/internal/apperr"
)

// Throttle limits failed sign-in attempts per key (an account's email, a
// client address) within a sliding window. It is per process: with several
// replicas each keeps its own count, which still bounds guessing.
type Throttle struct {
	mu       sync.Mutex
	limit    int
	window   time.Duration
	failures map[string][]time.Time
	now      func() time.Time
}

// NewThrottle allows limit failures per key within window.
func NewThrottle(limit int, window time.Duration) *Throttle {
	return &Throttle{limit: limit, window: window, failures: map[string][]time.Time{}, now: time.Now}
}

// Allow returns RATE_LIMITED while any key is over its limit.
func (t *Throttle) Allow(keys ...string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range keys {
		if len(t.recent(k, now)) >= t.limit {
			return apperr.E(apperr.RateLimited, "too many failed attempts; try again in %s", t.window)
		}
	}
	return nil
}

// Fail records a failed attempt for every key.
func (t *Throttle) Fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range keys {
		t.failures[k] = append(t.recent(k, now), now)
	}
}

// Reset forgets the failures of keys (after a successful sign in).
func (t *Throttle) Reset(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		delete(t.failures, k)
	}
}

func (t *Throttle) recent(k string, now time.Time) []time.Time {
	fs := t.failures[k]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) > t.window {
		i++
	}
	if i == len(fs) {
		delete(t.failures, k)
		return nil
	}
	return fs[i:]
}
