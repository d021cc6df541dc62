package geocode_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/demo"
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

var milan = geocode.Point{Lat: 45.46, Lng: 9.19}

func newService(up geocode.Upstream, limit int) (*geocode.Service, *memCache) {
	cache := &memCache{m: map[string]geocode.Result{}}
	return geocode.NewService(geocode.Deps{
		Upstream: up, Cache: cache, CacheTTL: time.Hour,
		Quota: &geocode.LocalQuota{Limit: limit, Window: time.Minute},
	}), cache
}

func TestGeocodeCachesAnswers(t *testing.T) {
	ctx := context.Background()
	up := &countingUpstream{known: map[string]geocode.Point{"via roma 1, milano": milan}}
	svc, cache := newService(up, 100)
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
	svc, _ := newService(up, 100)
	for _, addr := range []string{"", "   \t\n", strings.Repeat("a", geocode.MaxAddressLength+1)} {
		_, err := svc.Geocode(ctx, "u1", addr)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.InvalidInput || e.Field != "address" {
			t.Fatalf("%q: got %v, want INVALID_INPUT on address", addr, err)
		}
	}
	if up.calls != 0 {
		t.Fatal("invalid addresses reached the upstream")
	}

	up.err = geocode.UpstreamFailed("down", errors.New("boom"))
	_, err := svc.Geocode(ctx, "u1", "x")
	if e, ok := apperr.As(err); !ok || e.Code != apperr.Unavailable || e.Message != "the geocoding service failed: down" || geocode.IsNotConfigured(err) {
		t.Fatalf("upstream failure: %v", err)
	}
	notConf, _ := newService(geocode.NotConfiguredUpstream{}, 100)
	_, err = notConf.Geocode(ctx, "u1", "Via Roma 1")
	if e, ok := apperr.As(err); !ok || e.Code != apperr.Unavailable || e.Message != "geocoding is not configured: set GOOGLE_MAPS_API_KEY" || !geocode.IsNotConfigured(err) {
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
	svc, _ := newService(up, 2)
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
	if apperr.CodeOf(err) != apperr.Unavailable || !geocode.IsNotConfigured(err) || !strings.Contains(err.Error(), "GOOGLE_MAPS_API_KEY") {
		t.Fatalf("a real address without a key: %v", err)
	}
	up := &countingUpstream{known: map[string]geocode.Point{"elsewhere": milan}}
	r, err := geocode.DemoUpstream{Next: up}.Geocode(ctx, "elsewhere")
	if err != nil || !r.Found || up.calls != 1 {
		t.Fatalf("with a key: %+v %v", r, err)
	}
}

func TestDemoAddressesAreTheSeeds(t *testing.T) {
	if p := geocode.DemoAddresses[demo.CustomerAddress]; p != (geocode.Point{Lat: 45.4619, Lng: 9.1851}) {
		t.Fatalf("demo customer address at %+v", p)
	}
	for _, v := range demo.Vendors {
		if p := geocode.DemoAddresses[v.Address]; p != (geocode.Point{Lat: v.Lat, Lng: v.Lng}) {
			t.Fatalf("%s at %+v, the seed says %v,%v", v.Name, p, v.Lat, v.Lng)
		}
	}
	if len(geocode.DemoAddresses) != len(demo.Vendors)+1 {
		t.Fatalf("%d demo addresses", len(geocode.DemoAddresses))
	}
}

func TestAnswerRequest(t *testing.T) {
	ctx := context.Background()
	up := &countingUpstream{known: map[string]geocode.Point{"via roma 1": milan}}
	svc, _ := newService(up, 1)
	reqs := []geocode.Request{
		{Requester: "customer", SubjectID: "cust-1", AddressID: "addr-1", Address: "Via Roma 1"},
		{Requester: "vendor", SubjectID: "vendor-1", Address: "Nowhere"},
		{Requester: "customer", SubjectID: "cust-1", AddressID: "addr-3", Address: ""},
		{Requester: "customer", SubjectID: "cust-2", AddressID: "addr-4", Address: "Via Roma 1"}, // no caller quota applies
	}
	var got []geocode.Answer
	for _, r := range reqs {
		a, err := svc.AnswerRequest(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if a.Request != r {
			t.Fatalf("answer to %+v names %+v", r, a.Request)
		}
		got = append(got, a)
	}
	if !got[0].Found || got[0].Point != milan || got[0].Reason != "" ||
		got[1].Found || got[1].Reason == "" || got[2].Found || !strings.Contains(got[2].Reason, "address") || !got[3].Found {
		t.Fatalf("answers %+v", got)
	}
	if up.calls != 2 {
		t.Fatalf("upstream called %d times, want 2 (the repeat from the cache)", up.calls)
	}

	notConf, _ := newService(geocode.NotConfiguredUpstream{}, 1)
	a, err := notConf.AnswerRequest(ctx, geocode.Request{SubjectID: "a", Address: "x"})
	if err != nil || a.Found || !strings.Contains(a.Reason, "not configured") {
		t.Fatalf("not configured answer %+v %v", a, err)
	}
	// An upstream failure is returned, so the request is tried again.
	up.err = geocode.UpstreamFailed("down", errors.New("boom"))
	if _, err := svc.AnswerRequest(ctx, geocode.Request{SubjectID: "a", Address: "somewhere new"}); err == nil {
		t.Fatal("an upstream failure was swallowed")
	}
}
