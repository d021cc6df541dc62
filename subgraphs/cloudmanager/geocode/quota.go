package geocode

import (
	"context"
	"sync"
	"time"

	"github.com/platterhq/platter/internal/apperr"
)

// LocalQuota allows each caller Limit calls per Window, counted in this
// process in fixed windows. With several replicas each counts alone; the
// Redis quota shares the count.
type LocalQuota struct {
	Limit  int
	Window time.Duration
	Now    func() time.Time // time.Now when nil

	mu      sync.Mutex
	start   time.Time
	counted map[string]int
}

var _ Quota = (*LocalQuota)(nil)

func (q *LocalQuota) Take(_ context.Context, caller string) error {
	now := time.Now()
	if q.Now != nil {
		now = q.Now()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	window := now.Truncate(q.Window)
	if !window.Equal(q.start) || q.counted == nil {
		q.start, q.counted = window, map[string]int{}
	}
	if q.counted[caller] >= q.Limit {
		return RateLimited(q.Limit, q.Window, window.Add(q.Window).Sub(now))
	}
	q.counted[caller]++
	return nil
}

// RateLimited is the error of a caller over its quota.
func RateLimited(limit int, window, retryAfter time.Duration) error {
	return apperr.E(apperr.RateLimited, "geocoding is limited to %d requests per %s per caller; try again in %s",
		limit, window, retryAfter.Round(time.Second))
}
