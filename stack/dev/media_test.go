package dev_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/stack/dev"
	"github.com/platterhq/platter/subgraphs/cloudmanager/mediatest"
)

// An image uploaded through the router with the GraphQL multipart request
// spec comes back byte for byte from its signed URL; a file that is not an
// image is refused naming the file; only its owner may delete it.
func TestImageUploadThroughTheRouter(t *testing.T) {
	s, _ := startStack(t, t.TempDir())
	url := s.RouterURL + "/graphql"
	owner := signIn(t, url, dev.CustomerEmail, dev.DemoPassword)

	data := mediatest.PNG(t, 120, 80)
	a := mediatest.MustUploadImage(t, url, owner, "AVATAR", "me.png", data)
	if a.ContentType != "image/png" || a.Width != 120 || a.Height != 80 || a.Bytes != len(data) {
		t.Fatalf("uploaded %+v", a)
	}
	status, body := mediatest.Fetch(t, a.URL)
	if status != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("GET %s: %d, %d bytes (want the %d uploaded)", a.URL, status, len(body), len(data))
	}

	// The customer subgraph refers to it by id; the router asks this one
	// for the rest.
	me := gqltest.Client{URL: url, Token: owner}
	me.MustData(t, `mutation($id: ID!) { updateProfile(input: {avatarAssetId: $id}) { id } }`, map[string]any{"id": a.ID}, nil)
	var prof struct {
		Me struct{ Avatar *mediatest.Asset }
	}
	me.MustData(t, `{ me { avatar { id contentType width url } } }`, nil, &prof)
	if av := prof.Me.Avatar; av == nil || av.ID != a.ID || av.Width != 120 {
		t.Fatalf("me.avatar %+v", prof.Me.Avatar)
	} else if status, body := mediatest.Fetch(t, av.URL); status != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("GET avatar url: %d", status)
	}

	mediatest.UploadImageAs(t, url, owner, "AVATAR", "notes.txt", []byte("not an image at all")).ExpectCode(t, "INVALID_INPUT", "file")

	gqltest.Client{URL: url}.MustData(t, `mutation { signUpCustomer(input: {name: "Mallory", email: "m@example.com", password: "long enough"}) { accessToken } }`, nil, nil)
	const del = `mutation($id: ID!) { deleteAsset(id: $id) }`
	gqltest.Client{URL: url, Token: signIn(t, url, "m@example.com", "long enough")}.Do(t, del, map[string]any{"id": a.ID}).ExpectCode(t, "FORBIDDEN", "")
	gqltest.Client{URL: url, Token: owner}.MustData(t, del, map[string]any{"id": a.ID}, nil)
	if status, _ := mediatest.Fetch(t, a.URL); status != http.StatusNotFound {
		t.Fatalf("the deleted image still opens: %d", status)
	}
}

// The demo images open from their URLs, and the demo addresses geocode
// without a Google key.
func TestDemoMediaAndAddresses(t *testing.T) {
	s, _ := startStack(t, t.TempDir())
	url := s.RouterURL + "/graphql"
	for _, id := range []string{demo.LogoAssetID(demo.VendorID), demo.DishImageAssetID(demo.MargheritaID), demo.DishImageAssetID(demo.TiramisuID)} {
		var out struct{ Asset *mediatest.Asset }
		gqltest.Client{URL: url}.MustData(t, `query($id: ID!) { asset(id: $id) { id bytes url } }`, map[string]any{"id": id}, &out)
		if out.Asset == nil {
			t.Fatalf("demo asset %s missing", id)
		}
		if status, body := mediatest.Fetch(t, out.Asset.URL); status != http.StatusOK || len(body) != out.Asset.Bytes {
			t.Fatalf("demo image %s: %d, %d bytes", id, status, len(body))
		}
	}
	var geo struct{ Geocode *struct{ Lat, Lng float64 } }
	c := gqltest.Client{URL: url, Token: signIn(t, url, dev.CustomerEmail, dev.DemoPassword)}
	c.MustData(t, `{ geocode(address: "Piazza del Duomo 1, 20122 Milano, Italy") { lat lng } }`, nil, &geo)
	if geo.Geocode == nil || geo.Geocode.Lat < 45 || geo.Geocode.Lat > 46 {
		t.Fatalf("demo address: %+v", geo.Geocode)
	}
	c.Do(t, `{ geocode(address: "1600 Amphitheatre Parkway, Mountain View") { lat } }`, nil).ExpectCode(t, "UNAVAILABLE", "")
}

// BenchmarkUploadThroughRouter uploads 1 MB images through the router and
// prints uploads/s and MB/s; it asserts nothing about speed.
func BenchmarkUploadThroughRouter(b *testing.B) {
	s, _ := startStack(b, b.TempDir())
	url := s.RouterURL + "/graphql"
	token := signIn(b, url, dev.AdminEmail, dev.DemoPassword)
	images := make([][]byte, 8)
	for i := range images {
		images[i] = mediatest.NoisyPNG(b, 1<<20, uint64(i+1))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: time.Minute}
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			var n, sent atomic.Int64
			load(b, clients, func() error {
				img := images[n.Add(1)%int64(len(images))]
				r := mediatest.Upload(b, client, url, token, mediatest.UploadImage, map[string]any{"file": nil, "purpose": "GALLERY"},
					mediatest.File{Var: "variables.file", Name: "big.png", Data: img})
				if len(r.Errors) > 0 {
					return fmt.Errorf("upload: %+v", r.Errors)
				}
				sent.Add(int64(len(img)))
				return nil
			})
			b.ReportMetric(float64(sent.Load())/(1<<20)/b.Elapsed().Seconds(), "MB/s")
		})
	}
}

// An address saved without coordinates is geocoded by event: customer asks,
// cloudmanager answers (the dev geocoder knows the demo addresses), and
// the location appears on the address.
func TestAddressGeocodedByEvent(t *testing.T) {
	s, _ := startStack(t, t.TempDir())
	url := s.RouterURL + "/graphql"
	c := gqltest.Client{URL: url, Token: signIn(t, url, dev.CustomerEmail, dev.DemoPassword)}
	var added struct {
		AddAddress struct {
			ID       string
			Location *struct{ Lat, Lng float64 }
		}
	}
	c.MustData(t, `mutation { addAddress(input: {label: "Work", street: "Via Brera 5", city: "Milano", postalCode: "20121", country: "IT"}) { id location { lat lng } } }`, nil, &added)
	if added.AddAddress.Location != nil {
		t.Fatalf("location before geocoding: %+v", added.AddAddress.Location)
	}
	var want *demo.Vendor
	for i, v := range demo.Vendors {
		if strings.HasPrefix(v.Address, "Via Brera 5,") {
			want = &demo.Vendors[i]
		}
	}
	eventually(t, "the geocoded location on the address", func() bool {
		var me struct {
			Me struct {
				Addresses []struct {
					ID       string
					Location *struct{ Lat, Lng float64 }
				}
			}
		}
		c.MustData(t, `{ me { addresses { id location { lat lng } } } }`, nil, &me)
		for _, a := range me.Me.Addresses {
			if a.ID == added.AddAddress.ID && a.Location != nil {
				if a.Location.Lat != want.Lat || a.Location.Lng != want.Lng {
					t.Fatalf("geocoded to %+v, want %v,%v", a.Location, want.Lat, want.Lng)
				}
				return true
			}
		}
		return false
	})
}
