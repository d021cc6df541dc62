package geocode

import (
	"context"
	"strings"
)

// DemoAddresses are the dev seed's addresses and where they are. Dev mode
// only: DemoUpstream answers these without a Google Maps key, so the demo
// works offline, and nothing else.
var DemoAddresses = map[string]Point{
	"Piazza del Duomo 1, 20122 Milano, Italy":    {Lat: 45.4641, Lng: 9.1919}, // Trattoria Platter
	"Corso Buenos Aires 10, 20124 Milano, Italy": {Lat: 45.4781, Lng: 9.2100}, // Green Bowl
	"Via Torino 20, 20123 Milano, Italy":         {Lat: 45.4619, Lng: 9.1851}, // the demo customer
}

// DemoUpstream answers DemoAddresses and passes every other address to
// Next (NOT_CONFIGURED when Next is nil). Dev mode only.
type DemoUpstream struct {
	Next Upstream
}

var _ Upstream = DemoUpstream{}

func (d DemoUpstream) Geocode(ctx context.Context, address string) (Result, error) {
	norm := Normalize(address)
	for a, p := range DemoAddresses {
		if Normalize(a) == norm {
			return Result{Found: true, Point: p, Address: a, PlaceID: "platter-demo:" + strings.ReplaceAll(Normalize(a), " ", "-")}, nil
		}
	}
	if d.Next == nil {
		return Result{}, notConfigured("dev mode answers only the demo addresses without a key; set GOOGLE_MAPS_API_KEY for others")
	}
	return d.Next.Geocode(ctx, address)
}
