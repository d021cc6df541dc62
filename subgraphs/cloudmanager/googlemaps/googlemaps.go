// Package googlemaps resolves addresses with the Google Maps Geocoding API
// through Google's Go client, and turns its failures into clear errors.
package googlemaps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"googlemaps.github.io/maps"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/subgraphs/cloudmanager/geocode"
)

// Timeout bounds one request to the API.
const Timeout = 5 * time.Second

// Geocoder is a geocode.Upstream over the Geocoding API.
type Geocoder struct{ client *maps.Client }

var _ geocode.Upstream = (*Geocoder)(nil)

// New returns a geocoder using apiKey. baseURL replaces Google's endpoint
// (a test server, a proxy) when set.
func New(apiKey, baseURL string) (*Geocoder, error) {
	opts := []maps.ClientOption{
		maps.WithAPIKey(apiKey),
		maps.WithHTTPClient(&http.Client{Timeout: Timeout, Transport: statusCheck{http.DefaultTransport}}),
		// The per-caller quota and the cache bound what is sent; the
		// client's own limiter would only queue requests.
		maps.WithRateLimit(0),
	}
	if baseURL != "" {
		opts = append(opts, maps.WithBaseURL(strings.TrimRight(baseURL, "/")))
	}
	c, err := maps.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("google maps client: %w", err)
	}
	return &Geocoder{client: c}, nil
}

func (g *Geocoder) Geocode(ctx context.Context, address string) (geocode.Result, error) {
	results, err := g.client.Geocode(ctx, &maps.GeocodingRequest{Address: address})
	if err != nil {
		return geocode.Result{}, classify(ctx, err)
	}
	if len(results) == 0 {
		return geocode.Result{}, nil // ZERO_RESULTS: no such place
	}
	r := results[0]
	return geocode.Result{
		Found:   true,
		Point:   geocode.Point{Lat: r.Geometry.Location.Lat, Lng: r.Geometry.Location.Lng},
		Address: r.FormattedAddress,
		PlaceID: r.PlaceID,
	}, nil
}

// classify maps the client's errors, which are plain strings
// ("maps: REQUEST_DENIED - ...") or transport and JSON errors, to clear
// ones: UNAVAILABLE for the geocoder's failures, INVALID_INPUT for an
// address it cannot read.
func classify(ctx context.Context, err error) error {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "maps: INVALID_REQUEST"):
		e := apperr.Invalid("address", "the geocoder cannot read this address")
		e.Err = err
		return e
	case strings.HasPrefix(msg, "maps: REQUEST_DENIED"):
		return geocode.UpstreamFailed("it refused the request: check GOOGLE_MAPS_API_KEY and that the Geocoding API is enabled for it", err)
	case strings.HasPrefix(msg, "maps: OVER_QUERY_LIMIT"), strings.HasPrefix(msg, "maps: OVER_DAILY_LIMIT"):
		return geocode.UpstreamFailed("its quota is used up; try again later", err)
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return geocode.UpstreamFailed(fmt.Sprintf("no answer within %s; try again later", Timeout), err)
	case ctx.Err() != nil:
		return err // the caller gave up
	}
	return geocode.UpstreamFailed("it answered with an error; try again later", err)
}

// statusCheck turns an HTTP error status without a JSON body into an error
// before the client tries to read that body as JSON (a proxy's 502 page,
// say). An error status with JSON carries the API's own status: the client
// reads it.
type statusCheck struct{ next http.RoundTripper }

func (s statusCheck) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 && !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		resp.Body.Close()
		return nil, fmt.Errorf("geocoding API answered HTTP %d: %q", resp.StatusCode, snippet)
	}
	return resp, nil
}
