package googlemaps_test

import (
	"context"
	"strings"
	"testing"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/subgraphs/cloudmanager/geocode"
	"github.com/platterhq/platter/subgraphs/cloudmanager/geocode/geocodetest"
	"github.com/platterhq/platter/subgraphs/cloudmanager/googlemaps"
)

func TestGeocoderSpeaksTheAPI(t *testing.T) {
	ctx := context.Background()
	srv := geocodetest.New(t, "key-1", map[string]geocodetest.Place{"via roma 1, milano": {Lat: 45.46, Lng: 9.19}})
	g, err := googlemaps.New("key-1", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	r, err := g.Geocode(ctx, "via roma 1, milano")
	if err != nil || !r.Found || r.Point != (geocode.Point{Lat: 45.46, Lng: 9.19}) || r.PlaceID == "" || r.Address == "" {
		t.Fatalf("known address: %+v %v", r, err)
	}
	r, err = g.Geocode(ctx, "nowhere")
	if err != nil || r.Found {
		t.Fatalf("ZERO_RESULTS: %+v %v", r, err)
	}
	if srv.Calls() != 2 {
		t.Fatalf("%d calls", srv.Calls())
	}
}

func TestGeocoderFailuresAreClear(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		key   string
		setup func(*geocodetest.Server)
		code  apperr.Code
		says  string
	}{
		{"wrong key", "wrong", func(*geocodetest.Server) {}, apperr.Unavailable, "GOOGLE_MAPS_API_KEY"},
		{"over quota", "k", func(s *geocodetest.Server) { s.FailWithStatus("OVER_QUERY_LIMIT") }, apperr.Unavailable, "quota"},
		{"invalid request", "k", func(s *geocodetest.Server) { s.FailWithStatus("INVALID_REQUEST") }, apperr.InvalidInput, "cannot read"},
		{"unknown error", "k", func(s *geocodetest.Server) { s.FailWithStatus("UNKNOWN_ERROR") }, apperr.Unavailable, "try again"},
		{"HTTP 500 with HTML", "k", func(s *geocodetest.Server) { s.FailWithHTTP500() }, apperr.Unavailable, "try again"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := geocodetest.New(t, "k", map[string]geocodetest.Place{"a": {}})
			tc.setup(srv)
			g, err := googlemaps.New(tc.key, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			_, err = g.Geocode(ctx, "a")
			e, ok := apperr.As(err)
			if !ok || e.Code != tc.code || !strings.Contains(e.Message, tc.says) || (tc.code == apperr.Unavailable && !strings.HasPrefix(e.Message, "the geocoding service failed: ")) {
				t.Fatalf("got %v, want %s saying %q", err, tc.code, tc.says)
			}
		})
	}

	// Nothing listening at all.
	g, _ := googlemaps.New("k", "http://127.0.0.1:1")
	if _, err := g.Geocode(ctx, "a"); apperr.CodeOf(err) != apperr.Unavailable {
		t.Fatalf("unreachable: %v", err)
	}
}
