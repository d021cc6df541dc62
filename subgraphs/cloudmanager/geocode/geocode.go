// Package geocode turns addresses into coordinates: through an upstream
// geocoder (Google Maps), behind a cache of answers and a per-caller
// quota. It knows nothing of GraphQL, Redis or the Google client.
package geocode

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/platterhq/platter/internal/apperr"
)

// MaxAddressLength bounds an address; real ones are far shorter.
const MaxAddressLength = 300

// Point is a WGS 84 position.
type Point struct {
	Lat float64
	Lng float64
}

// Result is what an address resolved to. Found is false when the
// geocoder knows no such place: an answer, not an error.
type Result struct {
	Found   bool
	Point   Point
	Address string // as the geocoder formats it
	PlaceID string
}

// Upstream resolves one address. It returns NotConfigured when it cannot
// resolve any (no key), UpstreamFailed when the geocoder fails: both
// UNAVAILABLE, told apart by IsNotConfigured.
type Upstream interface {
	Geocode(ctx context.Context, address string) (Result, error)
}

// Cache keeps answers by normalised address. It never fails: when its
// store is unreachable it misses and forgets.
type Cache interface {
	Get(ctx context.Context, address string) (Result, bool)
	Set(ctx context.Context, address string, r Result, ttl time.Duration)
}

// Quota counts calls per caller; Take returns RATE_LIMITED when the caller
// has used up its allowance.
type Quota interface {
	Take(ctx context.Context, caller string) error
}

// Service answers geocoding requests.
type Service struct {
	upstream Upstream
	cache    Cache
	quota    Quota
	ttl      time.Duration
}

// Deps are the service's ports; a nil Cache caches nothing.
type Deps struct {
	Upstream Upstream
	Cache    Cache
	Quota    Quota
	// CacheTTL is how long an answer is kept (default 24 hours).
	CacheTTL time.Duration
}

// NewService returns the geocoding use cases over deps.
func NewService(deps Deps) *Service {
	s := &Service{upstream: deps.Upstream, cache: deps.Cache, quota: deps.Quota, ttl: deps.CacheTTL}
	if s.cache == nil {
		s.cache = noCache{}
	}
	if s.ttl <= 0 {
		s.ttl = 24 * time.Hour
	}
	return s
}

// Normalize is the form of an address its answer is cached under: case
// and spacing do not make another address.
func Normalize(address string) string {
	return strings.ToLower(strings.Join(strings.Fields(address), " "))
}

func validate(address string) (string, error) {
	norm := Normalize(address)
	switch {
	case norm == "":
		return "", apperr.Invalid("address", "must not be empty")
	case len(norm) > MaxAddressLength:
		return "", apperr.Invalid("address", "must be at most %d characters", MaxAddressLength)
	}
	return norm, nil
}

// Geocode resolves address for caller, within caller's quota.
func (s *Service) Geocode(ctx context.Context, caller, address string) (Result, error) {
	norm, err := validate(address)
	if err != nil {
		return Result{}, err
	}
	if err := s.quota.Take(ctx, caller); err != nil {
		return Result{}, err
	}
	return s.resolve(ctx, norm)
}

func (s *Service) resolve(ctx context.Context, norm string) (Result, error) {
	if r, ok := s.cache.Get(ctx, norm); ok {
		return r, nil
	}
	r, err := s.upstream.Geocode(ctx, norm)
	if err != nil {
		return Result{}, err
	}
	s.cache.Set(ctx, norm, r, s.ttl)
	return r, nil
}

type noCache struct{}

func (noCache) Get(context.Context, string) (Result, bool)         { return Result{}, false }
func (noCache) Set(context.Context, string, Result, time.Duration) {}

// NotConfigured is the UNAVAILABLE error of a deployment with no geocoder;
// todo says how to configure one. Unlike an upstream failure it lasts until
// the configuration changes, so a request is answered, not retried.
func NotConfigured(todo string) error {
	return &notConfiguredError{apperr.E(apperr.Unavailable, "geocoding is not configured: %s", todo)}
}

// IsNotConfigured reports whether err is a NotConfigured error.
func IsNotConfigured(err error) bool {
	var e *notConfiguredError
	return errors.As(err, &e)
}

type notConfiguredError struct{ err *apperr.Error }

func (e *notConfiguredError) Error() string { return e.err.Error() }
func (e *notConfiguredError) Unwrap() error { return e.err }

// UpstreamFailed is the UNAVAILABLE error of a geocoder that failed or
// refused a request; why is shown to the caller, cause only logged.
func UpstreamFailed(why string, cause error) error {
	e := apperr.E(apperr.Unavailable, "the geocoding service failed: %s", why)
	e.Err = cause
	return e
}

// NotConfiguredUpstream answers every address with NotConfigured: the
// service runs without a Google Maps key.
type NotConfiguredUpstream struct{}

func (NotConfiguredUpstream) Geocode(context.Context, string) (Result, error) {
	return Result{}, NotConfigured("set GOOGLE_MAPS_API_KEY")
}
