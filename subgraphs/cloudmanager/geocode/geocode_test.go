package geocode_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/subgraphs/cloudmanager/geocode"
)

// countingUpstream answers from a table and counts the calls.
type countingUpstream struct {
	mu    sync.Mutex
	calls int
	err   error
	known map[string]geocode.Point
}

func (u *countingUpstream) Geocode(_ context.Context, address string) (geocode.Result, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.calls++
	if u.err != nil {
		return geocode.Result{}, u.err
	}
	p, ok := u.known[address]
	if !ok {
		return geocode.Result{}, nil
	}
	return geocode.Result{Found: true, Point: p, Address: address, PlaceID: "place:" + address}, nil
}

type memCache struct {
	mu  sync.Mutex
	m   map[string]geocode.Result
	ttl time.Duration
}

func (c *memCache) Get(_ context.Context, a string) (geocode.Result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[a]
	return r, ok
}

func (c *memCache) Set(_ context.Context, a string, r geocode.Result, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[a], c.ttl = r, ttl
}

type answers struct {
	mu  sync.Mutex
	got []geocode.Answer
}

func (a *answers) AddressGeocoded(_ context.Context, ans geocode.Answer) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, ans)
	return nil
}

var milan = geocode.Point{Lat: 45.46, Lng: 9.19}

func newService(up geocode.Upstream, limit int) (*geocode.Service, *memCache, *answers) {
	cache := &memCache{m: map[string]geocode.Result{}}
	ans := &answers{}
	return geocode.NewService(geocode.Deps{
		Upstream: up, Cache: cache, Publisher: ans, CacheTTL: time.Hour,
		Quota: &geocode.LocalQuota{Limit: limit, Window: time.Minute},
	}), cache, ans
}

func TestGeocodeCachesAnswers(t *testing.T) {
	ctx := context.Background()
	up := &countingUpstream{known: map[string]geocode.Point{"via roma 1, milano": milan}}
	svc, cache, _ := newService(up, 100)
	r, err := svc.Geocode(ctx, "u1", "  Via Roma 1,   MILANO ")
	if err != nil || !r.Found || r.Point != milan {
		t.Fatalf("first: %+v %v", r, err)
	}
	r, err = svc.Geocode(ctx, "u2", "via roma 1, milano")
	if err != nil || !r.Found || r.Point != milan {
		t.Fatalf("second: %+v %v", r, err)
	}
	if up.calls != 1 || cache.ttl != time.Hour {
		t.Fatalf("upstream called %d times (cache ttl %s), want once", up.calls, cache.ttl)
	}
	// No such place is an answer too, and is cached.
	for range 2 {
		r, err = svc.Geocode(ctx, "u1", "Nowhere Street 0")
		if err != nil || r.Found {
			t.Fatalf("unknown place: %+v %v", r, err)
		}
	}
	if up.calls != 2 {
		t.Fatalf("upstream called %d times, want 2", up.calls)
	}
}

func TestGeocodeRefusals(t *testing.T) {
	ctx := context.Background()
	up := &countingUpstream{}
	svc, _, _ := newService(up, 100)
	for _, addr := range []string{"", "   \t\n", strings.Repeat("a", geocode.MaxAddressLength+1)} {
		_, err := svc.Geocode(ctx, "u1", addr)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.InvalidInput || e.Field != "address" {
			t.Fatalf("%q: got %v, want INVALID_INPUT on address", addr, err)
		}
	}
	if up.calls != 0 {
		t.Fatal("invalid addresses reached the upstream")
	}

	up.err = apperr.E(geocode.UpstreamFailed, "down")
	if _, err := svc.Geocode(ctx, "u1", "x"); apperr.CodeOf(err) != geocode.UpstreamFailed {
		t.Fatalf("upstream failure: %v", err)
	}
	notConf, _, _ := newService(geocode.NotConfiguredUpstream{}, 100)
	_, err := notConf.Geocode(ctx, "u1", "Via Roma 1")
	if apperr.CodeOf(err) != geocode.NotConfigured || !strings.Contains(err.Error(), "geocoding is not configured") {
		t.Fatalf("not configured: %v", err)
	}
}

func TestQuotaIsPerCaller(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)
	q := &geocode.LocalQuota{Limit: 3, Window: time.Minute, Now: func() time.Time { return now }}
	for i := range 3 {
		if err := q.Take(ctx, "a"); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	err := q.Take(ctx, "a")
	if apperr.CodeOf(err) != apperr.RateLimited || !strings.Contains(err.Error(), "try again in 50s") {
		t.Fatalf("fourth call: %v", err)
	}
	if err := q.Take(ctx, "b"); err != nil {
		t.Fatalf("another caller: %v", err)
	}
	now = now.Add(time.Minute)
	if err := q.Take(ctx, "a"); err != nil {
		t.Fatalf("next window: %v", err)
	}

	up := &countingUpstream{known: map[string]geocode.Point{"x": milan}}
	svc, _, _ := newService(up, 2)
	for range 2 {
		if _, err := svc.Geocode(ctx, "u1", "x"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Geocode(ctx, "u1", "x"); apperr.CodeOf(err) != apperr.RateLimited {
		t.Fatalf("over quota: %v", err)
	}
}

func TestDemoUpstream(t *testing.T) {
	ctx := context.Background()
	demo := geocode.DemoUpstream{}
	for addr, p := range geocode.DemoAddresses {
		r, err := demo.Geocode(ctx, strings.ToUpper(addr))
		if err != nil || !r.Found || r.Point != p {
			t.Fatalf("%s: %+v %v", addr, r, err)
		}
	}
	_, err := demo.Geocode(ctx, "1600 Amphitheatre Parkway, Mountain View")
	if apperr.CodeOf(err) != geocode.NotConfigured || !strings.Contains(err.Error(), "GOOGLE_MAPS_API_KEY") {
		t.Fatalf("a real address without a key: %v", err)
	}
	up := &countingUpstream{known: map[string]geocode.Point{"elsewhere": milan}}
	r, err := geocode.DemoUpstream{Next: up}.Geocode(ctx, "elsewhere")
	if err != nil || !r.Found || up.calls != 1 {
		t.Fatalf("with a key: %+v %v", r, err)
	}
}

func TestAnswerRequest(t *testing.T) {
	ctx := context.Background()
	up := &countingUpstream{known: map[string]geocode.Point{"via roma 1": milan}}
	svc, _, ans := newService(up, 1)
	reqs := []geocode.Request{
		{SubjectID: "addr-1", Address: "Via Roma 1"},
		{SubjectID: "addr-2", Address: "Nowhere"},
		{SubjectID: "addr-3", Address: ""},
		{SubjectID: "addr-4", Address: "Via Roma 1"}, // no caller quota applies
	}
	for _, r := range reqs {
		if err := svc.AnswerRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got := ans.got
	if len(got) != 4 || !got[0].Found || got[0].Point != milan || got[0].SubjectID != "addr-1" ||
		got[1].Found || got[1].Reason == "" || got[2].Found || !strings.Contains(got[2].Reason, "address") || !got[3].Found {
		t.Fatalf("answers %+v", got)
	}

	notConf, _, ans2 := newService(geocode.NotConfiguredUpstream{}, 1)
	if err := notConf.AnswerRequest(ctx, geocode.Request{SubjectID: "a", Address: "x"}); err != nil {
		t.Fatal(err)
	}
	if len(ans2.got) != 1 || ans2.got[0].Found || !strings.Contains(ans2.got[0].Reason, "not configured") {
		t.Fatalf("not configured answer %+v", ans2.got)
	}
	// An upstream failure is returned, so the request is tried again.
	up.err = errors.New("boom")
	if err := svc.AnswerRequest(ctx, geocode.Request{SubjectID: "a", Address: "somewhere new"}); err == nil {
		t.Fatal("an upstream failure was swallowed")
	}
}
