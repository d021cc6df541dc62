package geocode

import (
	"context"
	"strings"

	"github.com/platterhq/platter/internal/demo"
)

// DemoAddresses are the dev seed's addresses (its vendors' and its
// customer's) and where they are. Dev mode only: DemoUpstream answers these
// without a Google Maps key, so the demo works offline, and nothing else.
var DemoAddresses = demoAddresses()

func demoAddresses() map[string]Point {
	m := map[string]Point{demo.CustomerAddress: {Lat: 45.4619, Lng: 9.1851}}
	for _, v := range demo.Vendors {
		m[v.Address] = Point{Lat: v.Lat, Lng: v.Lng}
	}
	return m
}

// DemoUpstream answers DemoAddresses and passes every other address to
// Next (NotConfigured when Next is nil). Dev mode only.
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
		return Result{}, NotConfigured("set GOOGLE_MAPS_API_KEY (without it dev mode knows the demo addresses only)")
	}
	return d.Next.Geocode(ctx, address)
}
