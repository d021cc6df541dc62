package service_test

import (
	"context"
	"testing"

	"github.com/platterhq/platter/internal/events"
)

func publish(t *testing.T, e env, typ, subject string, data any) events.Envelope {
	t.Helper()
	env, err := events.New(context.Background(), "cloudmanager", typ, subject, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.bus.Publish(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	return env
}

// The vendor's events: registered, then updated with growing versions, a
// geocoding request for an address without a location, the answer setting
// the location once, stale answers and redeliveries without effect.
func TestEvents(t *testing.T) {
	e := open(t, "")
	s := apply(t, e, map[string]any{"address": "Via Dante 1, Milano"})
	id := s.Vendor.ID
	if s.Vendor.Location != nil {
		t.Fatalf("location before geocoding: %+v", s.Vendor.Location)
	}
	eventually(t, "registered and geocoding requested", func() bool {
		return len(e.seen.of(events.VendorRegistered, id)) == 1 && len(e.seen.of(events.VendorAddressGeocodingRequested, id)) == 1
	})
	reg := decode[events.VendorData](t, e.seen.of(events.VendorRegistered, id)[0])
	if reg.Version != 1 || reg.Status != "PENDING" || reg.Name != "Pasta Nuova" || reg.Address != "Via Dante 1, Milano" {
		t.Fatalf("registered %+v", reg)
	}
	req := decode[events.GeocodingRequestedData](t, e.seen.of(events.VendorAddressGeocodingRequested, id)[0])
	if req.SubjectID != id || req.Address != "Via Dante 1, Milano" {
		t.Fatalf("geocoding request %+v", req)
	}

	answer := func(address string, lat float64) events.AddressGeocodedData {
		return events.AddressGeocodedData{Requester: "vendor", SubjectID: id, Address: address, Found: true, Location: &events.GeoPoint{Lat: lat, Lng: 9.18}}
	}
	// Not for the vendor subgraph, and for an address the vendor does not
	// have: both ignored.
	other := answer("Via Dante 1, Milano", 1)
	other.Requester = "customer"
	publish(t, e, events.AddressGeocoded, id, other)
	publish(t, e, events.AddressGeocoded, id, answer("Somewhere else", 2))
	good := publish(t, e, events.AddressGeocoded, id, answer("Via Dante 1, Milano", 45.46))
	eventually(t, "the location", func() bool {
		v := queryVendor(t, e.as(id, "VENDOR"), id)
		return v != nil && v.Location != nil
	})
	if v := queryVendor(t, e.as(id, "VENDOR"), id); v.Location.Lat != 45.46 {
		t.Fatalf("location from a stale answer: %+v", v.Location)
	}
	eventually(t, "the update", func() bool { return len(e.seen.of(events.VendorUpdated, id)) == 1 })
	upd := decode[events.VendorData](t, e.seen.of(events.VendorUpdated, id)[0])
	if upd.Version != 2 || upd.Location == nil || upd.Location.Lat != 45.46 {
		t.Fatalf("updated %+v", upd)
	}

	// A redelivery and a second answer change nothing; a marker event
	// published after them proves they were handled.
	if err := e.bus.Publish(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	publish(t, e, events.AddressGeocoded, id, answer("Via Dante 1, Milano", 10))
	e.withToken(s.AccessToken).MustData(t, `mutation { setVendorOpen(open: false) { id } }`, nil, nil) // unchanged: no event
	e.withToken(s.AccessToken).MustData(t, `mutation { updateVendorProfile(input: {name: "Pasta Nuovissima"}) { id } }`, nil, nil)
	eventually(t, "the rename", func() bool { return len(e.seen.of(events.VendorUpdated, id)) == 2 })
	ren := decode[events.VendorData](t, e.seen.of(events.VendorUpdated, id)[1])
	if ren.Version != 3 || ren.Name != "Pasta Nuovissima" || ren.Location == nil || ren.Location.Lat != 45.46 {
		t.Fatalf("rename %+v", ren)
	}
	if n := len(e.seen.of(events.VendorAddressGeocodingRequested, id)); n != 1 {
		t.Fatalf("%d geocoding requests", n)
	}
}

// A deleted image drops out of the logo, the gallery and the team, and the
// vendor says it changed.
func TestAssetDeletedDetaches(t *testing.T) {
	e := open(t, "")
	s := apply(t, e, nil)
	id := s.Vendor.ID
	const img = "0190c6b2-1c6a-7c55-9d5e-3f1a2b3c4d77"
	const kept = "0190c6b2-1c6a-7c55-9d5e-3f1a2b3c4d78"
	owner := e.withToken(s.AccessToken)
	owner.MustData(t, `mutation($a: ID!) { updateVendorProfile(input: {logoAssetId: $a}) { id } }`, map[string]any{"a": img}, nil)
	owner.MustData(t, `mutation($a: ID!) { addGalleryImage(assetId: $a) { id } }`, map[string]any{"a": kept}, nil)
	owner.MustData(t, `mutation($a: ID!) { addGalleryImage(assetId: $a) { id } }`, map[string]any{"a": img}, nil)
	owner.MustData(t, `mutation($a: ID!) { addTeamMember(input: {name: "Ada", role: "Chef", photoAssetId: $a}) { id } }`, map[string]any{"a": img}, nil)
	eventually(t, "four updates", func() bool { return len(e.seen.of(events.VendorUpdated, id)) == 4 })

	publish(t, e, events.AssetDeleted, kept, events.AssetData{AssetID: kept, OwnerID: "someone-else", Purpose: "GALLERY"})
	publish(t, e, events.AssetDeleted, img, events.AssetData{AssetID: img, OwnerID: id, Purpose: "VENDOR_LOGO"})
	eventually(t, "the detach", func() bool { return len(e.seen.of(events.VendorUpdated, id)) == 5 })
	v := queryVendor(t, owner, id)
	if v.Logo != nil || len(v.Gallery) != 1 || v.Gallery[0].ID != kept || len(v.Team) != 1 {
		t.Fatalf("after the delete: %+v", v)
	}
	var team struct {
		MyVendor struct {
			Team []struct{ Photo *struct{ ID string } }
		}
	}
	owner.MustData(t, `{ myVendor { team { photo { id } } } }`, nil, &team)
	if team.MyVendor.Team[0].Photo != nil {
		t.Fatalf("team photo kept: %+v", team)
	}
	versions := []int64{}
	for _, ev := range e.seen.of(events.VendorUpdated, id) {
		versions = append(versions, decode[events.VendorData](t, ev).Version)
	}
	for i, v := range versions {
		if v != int64(i+2) {
			t.Fatalf("versions %v, want 2..6 in order", versions)
		}
	}
}
