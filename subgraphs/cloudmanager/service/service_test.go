package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/storage"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/blob"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
	"github.com/platterhq/platter/subgraphs/cloudmanager/geocode/geocodetest"
	"github.com/platterhq/platter/subgraphs/cloudmanager/mediatest"
	"github.com/platterhq/platter/subgraphs/cloudmanager/service"
)

type env struct {
	svc    *service.Service
	url    string
	keys   testenv.KeyPair
	emu    *blob.Emulator
	bucket *storage.BucketHandle
}

const bucketName = "platter-media"

// open serves the subgraph on a fresh bucket of an in-process emulator
// that checks signed URLs as Cloud Storage does; edit changes the
// configuration first.
func open(t testing.TB, edit ...func(*config.Cloudmanager)) env {
	t.Helper()
	ctx := context.Background()
	emu, err := blob.StartEmulator(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	if err := emu.CreateBucket(ctx, bucketName); err != nil {
		t.Fatal(err)
	}
	keys := testenv.Keys(t)
	cfg := config.Cloudmanager{
		Auth:              keys.Verifier(),
		GCSBucket:         bucketName,
		GCSEndpoint:       emu.URL(),
		AssetMaxBytes:     256 << 10,
		AssetURLTTL:       30 * time.Minute,
		AssetUploadURLTTL: 10 * time.Minute,
		GeocodeQuota:      30,
	}
	for _, e := range edit {
		e(&cfg)
	}
	svc, err := service.Open(ctx, cfg, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	emu.RequireSignatures(svc.SigningKeys())
	bucket, closeBucket, err := blob.OpenBucket(ctx, emu.URL(), bucketName)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeBucket() })
	return env{svc: svc, url: testenv.Serve(t, svc), keys: keys, emu: emu, bucket: bucket}
}

func seeded(t testing.TB) env {
	t.Helper()
	e := open(t)
	if err := service.Seed(context.Background(), e.svc, logging.Discard()); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e env) endpoint() string { return e.url + "/graphql" }

func (e env) client(token string) gqltest.Client {
	return gqltest.Client{URL: e.endpoint(), Token: token}
}

func (e env) token(subject string, roles ...auth.Role) string { return e.keys.Token(subject, roles...) }

// objects lists every object in the bucket but the outbox's records (the
// events tests look at those).
func (e env) objects(t testing.TB) []string {
	t.Helper()
	var names []string
	it := e.bucket.Objects(context.Background(), nil)
	for {
		attrs, err := it.Next()
		if err != nil {
			break
		}
		if !strings.HasPrefix(attrs.Name, "outbox/") {
			names = append(names, attrs.Name)
		}
	}
	return names
}

const assetFields = `id purpose ownerId contentType bytes width height createdAt url`

const assetQuery = `query($id: ID!) { asset(id: $id) { ` + assetFields + ` } }`

// verify checks a signed URL against the service's keys.
func (e env) verify(t testing.TB, u, method string, header http.Header, now time.Time) (blob.Signed, error) {
	t.Helper()
	return blob.VerifyURL(u, method, header, e.svc.SigningKeys(), now)
}

func TestUploadImageThenFetchItsURL(t *testing.T) {
	e := open(t)
	data := mediatest.PNG(t, 64, 48)
	a := mediatest.MustUploadImage(t, e.endpoint(), e.token("cust-1", auth.RoleCustomer), "AVATAR", "me.png", data)
	if a.ID == "" || a.Purpose != "AVATAR" || a.OwnerID != "cust-1" || a.ContentType != "image/png" ||
		a.Bytes != len(data) || a.Width != 64 || a.Height != 48 {
		t.Fatalf("asset %+v", a)
	}
	if _, err := time.Parse(time.RFC3339, a.CreatedAt); err != nil {
		t.Fatalf("createdAt %q", a.CreatedAt)
	}
	// Stored under <purpose>/<owner>/<id>, with its metadata beside it.
	want := []string{"assets/" + a.ID + ".json", "avatar/cust-1/" + a.ID}
	if got := e.objects(t); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("bucket holds %v, want %v", got, want)
	}

	status, body := mediatest.Fetch(t, a.URL)
	if status != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("GET url: %d, %d bytes (want the %d uploaded)", status, len(body), len(data))
	}
	now := time.Now()
	signed, err := e.verify(t, a.URL, http.MethodGet, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if signed.Path != "/"+bucketName+"/avatar/cust-1/"+a.ID || signed.Method != http.MethodGet ||
		signed.Expires.Sub(now) < 29*time.Minute || signed.Expires.Sub(now) > 30*time.Minute+time.Second {
		t.Fatalf("signed %+v", signed)
	}
	if _, err := e.verify(t, a.URL, http.MethodGet, nil, now.Add(31*time.Minute)); err == nil {
		t.Fatal("the URL is still valid after 31 minutes")
	}
	if _, err := e.verify(t, a.URL, http.MethodPut, nil, now); err == nil {
		t.Fatal("the GET URL verifies as a PUT")
	}
	// Tampered URLs are refused by the emulator, as by Cloud Storage.
	other := strings.Replace(a.URL, a.ID, asset.StagingName(a.ID), 1)
	if status, _ := mediatest.Fetch(t, other); status != http.StatusForbidden {
		t.Fatalf("a URL pointed at another object: %d", status)
	}
	longer := strings.Replace(a.URL, "X-Goog-Expires=", "X-Goog-Expires=9", 1)
	if status, _ := mediatest.Fetch(t, longer); status != http.StatusForbidden {
		t.Fatalf("a URL with a longer life: %d", status)
	}

	// The same asset read back: the same, still valid, URL.
	var out struct{ Asset *mediatest.Asset }
	e.client("").MustData(t, assetQuery, map[string]any{"id": a.ID}, &out)
	if out.Asset == nil || out.Asset.URL != a.URL || out.Asset.Bytes != a.Bytes {
		t.Fatalf("asset query %+v", out.Asset)
	}
}

func TestUploadImageRefusals(t *testing.T) {
	e := open(t)
	customer := e.token("cust-1", auth.RoleCustomer)
	cases := []struct {
		name    string
		token   string
		purpose string
		data    []byte
		code    string
		field   string
	}{
		{"not an image", customer, "AVATAR", []byte("%PDF-1.7 not an image"), "INVALID_INPUT", "file"},
		{"gif", customer, "AVATAR", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "INVALID_INPUT", "file"},
		{"empty", customer, "AVATAR", nil, "INVALID_INPUT", "file"},
		{"over the limit", customer, "AVATAR", mediatest.NoisyPNG(t, 300<<10, 1), "INVALID_INPUT", "file"},
		{"a customer's vendor logo", customer, "VENDOR_LOGO", mediatest.PNG(t, 4, 4), "FORBIDDEN", ""},
		{"anonymous", "", "AVATAR", mediatest.PNG(t, 4, 4), "UNAUTHENTICATED", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mediatest.UploadImageAs(t, e.endpoint(), tc.token, tc.purpose, "x.bin", tc.data).ExpectCode(t, tc.code, tc.field)
		})
	}
	r := mediatest.UploadImageAs(t, e.endpoint(), customer, "BANNER", "x.png", mediatest.PNG(t, 4, 4))
	if len(r.Errors) == 0 || r.Status >= 500 {
		t.Fatalf("unknown purpose: %d %+v", r.Status, r.Errors)
	}
	if got := e.objects(t); len(got) != 0 {
		t.Fatalf("refused uploads left %v", got)
	}
	// A vendor may upload its logo; a WebP is accepted.
	a := mediatest.MustUploadImage(t, e.endpoint(), e.token("vendor-1", auth.RoleVendor), "VENDOR_LOGO", "logo.webp", mediatest.WebP)
	if a.ContentType != "image/webp" || a.Width != 1 {
		t.Fatalf("webp %+v", a)
	}
}

func TestDeleteAsset(t *testing.T) {
	e := open(t)
	const del = `mutation($id: ID!) { deleteAsset(id: $id) }`
	owner := e.token("cust-1", auth.RoleCustomer)
	a := mediatest.MustUploadImage(t, e.endpoint(), owner, "AVATAR", "me.jpg", mediatest.JPEG(t, 20, 10))

	e.client(e.token("cust-2", auth.RoleCustomer)).Do(t, del, map[string]any{"id": a.ID}).ExpectCode(t, "FORBIDDEN", "")
	e.client("").Do(t, del, map[string]any{"id": a.ID}).ExpectCode(t, "UNAUTHENTICATED", "")
	unknown, _ := asset.NewID()
	e.client(owner).Do(t, del, map[string]any{"id": unknown}).ExpectCode(t, "NOT_FOUND", "")
	e.client(owner).Do(t, del, map[string]any{"id": "../../x"}).ExpectCode(t, "INVALID_INPUT", "id")
	if status, _ := mediatest.Fetch(t, a.URL); status != http.StatusOK {
		t.Fatalf("a refused delete removed the image: %d", status)
	}

	var out struct{ DeleteAsset string }
	e.client(owner).MustData(t, del, map[string]any{"id": a.ID}, &out)
	if out.DeleteAsset != a.ID {
		t.Fatalf("deleteAsset answered %q", out.DeleteAsset)
	}
	if got := e.objects(t); len(got) != 0 {
		t.Fatalf("after delete the bucket holds %v", got)
	}
	if status, _ := mediatest.Fetch(t, a.URL); status != http.StatusNotFound {
		t.Fatalf("the deleted image still opens: %d", status)
	}
	var q struct{ Asset *mediatest.Asset }
	e.client("").MustData(t, assetQuery, map[string]any{"id": a.ID}, &q)
	if q.Asset != nil {
		t.Fatalf("deleted asset: %+v", q.Asset)
	}

	// An admin deletes anyone's.
	b := mediatest.MustUploadImage(t, e.endpoint(), owner, "AVATAR", "me.png", mediatest.PNG(t, 3, 3))
	e.client(e.token("admin-1", auth.RoleCustomer, auth.RoleAdmin)).MustData(t, del, map[string]any{"id": b.ID}, nil)
}

func TestSignedURLUpload(t *testing.T) {
	e := open(t)
	const create = `mutation($p: AssetPurpose!, $t: String!, $b: Int!) { createImageUpload(purpose: $p, contentType: $t, bytes: $b) { assetId url method headers { name value } expiresAt maxBytes } }`
	const confirm = `mutation($id: ID!) { confirmImageUpload(id: $id) { ` + assetFields + ` } }`
	type upload struct {
		AssetID   string
		URL       string
		Method    string
		Headers   []struct{ Name, Value string }
		ExpiresAt string
		MaxBytes  int
	}
	owner := e.client(e.token("cust-1", auth.RoleCustomer))
	start := func(t *testing.T, contentType string, size int) upload {
		t.Helper()
		var out struct{ CreateImageUpload upload }
		owner.MustData(t, create, map[string]any{"p": "AVATAR", "t": contentType, "b": size}, &out)
		return out.CreateImageUpload
	}
	put := func(t *testing.T, u upload, contentType string, data []byte) int {
		t.Helper()
		req, _ := http.NewRequest(u.Method, u.URL, bytes.NewReader(data))
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	t.Run("accepted", func(t *testing.T) {
		data := mediatest.JPEG(t, 40, 30)
		u := start(t, "image/jpeg", len(data))
		if u.Method != "PUT" || len(u.Headers) != 1 || u.Headers[0].Name != "Content-Type" || u.Headers[0].Value != "image/jpeg" || u.MaxBytes != 256<<10 {
			t.Fatalf("upload %+v", u)
		}
		expires, _ := time.Parse(time.RFC3339, u.ExpiresAt)
		signed, err := e.verify(t, u.URL, http.MethodPut, http.Header{"Content-Type": {"image/jpeg"}}, time.Now())
		if err != nil || signed.Path != "/"+bucketName+"/uploads/"+u.AssetID || signed.Expires.Sub(expires).Abs() > 2*time.Second {
			t.Fatalf("PUT URL %+v (%v), expires %s", signed, err, u.ExpiresAt)
		}
		var q struct{ Asset *mediatest.Asset }
		e.client("").MustData(t, assetQuery, map[string]any{"id": u.AssetID}, &q)
		if q.Asset != nil {
			t.Fatal("a pending upload is visible as an asset")
		}
		if status := put(t, u, "image/png", data); status != http.StatusForbidden {
			t.Fatalf("PUT with another content type: %d", status)
		}
		if status := put(t, u, "image/jpeg", data); status != http.StatusOK {
			t.Fatalf("PUT: %d", status)
		}
		e.client(e.token("cust-2", auth.RoleCustomer)).Do(t, confirm, map[string]any{"id": u.AssetID}).ExpectCode(t, "FORBIDDEN", "")
		var out struct{ ConfirmImageUpload mediatest.Asset }
		owner.MustData(t, confirm, map[string]any{"id": u.AssetID}, &out)
		a := out.ConfirmImageUpload
		if a.ID != u.AssetID || a.ContentType != "image/jpeg" || a.Width != 40 || a.Height != 30 || a.Bytes != len(data) {
			t.Fatalf("confirmed %+v", a)
		}
		if status, body := mediatest.Fetch(t, a.URL); status != http.StatusOK || !bytes.Equal(body, data) {
			t.Fatalf("GET confirmed image: %d", status)
		}
		// The URL used again cannot touch the image; confirming again says
		// why and removes what was sent.
		if status := put(t, u, "image/jpeg", mediatest.JPEG(t, 5, 5)); status != http.StatusOK {
			t.Fatalf("second PUT: %d", status)
		}
		owner.Do(t, confirm, map[string]any{"id": u.AssetID}).ExpectCode(t, "CONFLICT", "id")
		if status, body := mediatest.Fetch(t, a.URL); status != http.StatusOK || !bytes.Equal(body, data) {
			t.Fatal("the confirmed image changed")
		}
		want := []string{"assets/" + a.ID + ".json", "avatar/cust-1/" + a.ID}
		if got := e.objects(t); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("bucket holds %v, want %v", got, want)
		}
		_ = e.bucket.Object(want[0]).Delete(context.Background())
		_ = e.bucket.Object(want[1]).Delete(context.Background())
	})

	t.Run("mismatches", func(t *testing.T) {
		png := mediatest.PNG(t, 10, 10)
		for _, tc := range []struct {
			name, declared string
			size           int
			data           []byte
			field          string
		}{
			{"size", "image/png", len(png) + 5, png, "bytes"},
			{"type", "image/jpeg", len(png), png, "contentType"},
			{"not an image", "image/png", 9, []byte("plain text"[:9]), "contentType"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				u := start(t, tc.declared, tc.size)
				if status := put(t, u, tc.declared, tc.data); status != http.StatusOK {
					t.Fatalf("PUT: %d", status)
				}
				owner.Do(t, confirm, map[string]any{"id": u.AssetID}).ExpectCode(t, "INVALID_INPUT", tc.field)
				if got := e.objects(t); len(got) != 0 {
					t.Fatalf("a refused upload left %v", got)
				}
				owner.Do(t, confirm, map[string]any{"id": u.AssetID}).ExpectCode(t, "NOT_FOUND", "")
			})
		}
	})

	t.Run("not uploaded yet", func(t *testing.T) {
		u := start(t, "image/png", 100)
		owner.Do(t, confirm, map[string]any{"id": u.AssetID}).ExpectCode(t, "INVALID_INPUT", "id")
	})

	t.Run("bad requests", func(t *testing.T) {
		owner.Do(t, create, map[string]any{"p": "AVATAR", "t": "image/gif", "b": 10}).ExpectCode(t, "INVALID_INPUT", "contentType")
		owner.Do(t, create, map[string]any{"p": "AVATAR", "t": "image/png", "b": 0}).ExpectCode(t, "INVALID_INPUT", "bytes")
		owner.Do(t, create, map[string]any{"p": "AVATAR", "t": "image/png", "b": 300 << 10}).ExpectCode(t, "INVALID_INPUT", "bytes")
		owner.Do(t, create, map[string]any{"p": "COURIER_PHOTO", "t": "image/png", "b": 10}).ExpectCode(t, "FORBIDDEN", "")
	})
}

// A PUT URL past its expiry is refused by storage itself (here the
// emulator, checking as Cloud Storage does).
func TestExpiredUploadURLIsRefused(t *testing.T) {
	e := open(t, func(c *config.Cloudmanager) { c.AssetUploadURLTTL = time.Second })
	var out struct {
		CreateImageUpload struct{ AssetID, URL string }
	}
	e.client(e.token("cust-1", auth.RoleCustomer)).MustData(t,
		`mutation { createImageUpload(purpose: AVATAR, contentType: "image/png", bytes: 10) { assetId url } }`, nil, &out)
	time.Sleep(1100 * time.Millisecond)
	req, _ := http.NewRequest(http.MethodPut, out.CreateImageUpload.URL, strings.NewReader("0123456789"))
	req.Header.Set("Content-Type", "image/png")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("PUT after expiry: %d", resp.StatusCode)
	}
}

// Many assets resolve in one _entities call, each with its own URL, in
// the order asked, with null for the unknown.
func TestEntitiesBatch(t *testing.T) {
	e := open(t)
	ids := seedAssets(t, e, 100)
	unknown, _ := asset.NewID()
	reps := entityReps(append([]string{unknown, "assets/../../etc"}, ids...))
	var out struct {
		Entities []*mediatest.Asset `json:"_entities"`
	}
	e.client("").MustData(t, entitiesQuery, map[string]any{"r": reps}, &out)
	if len(out.Entities) != len(reps) || out.Entities[0] != nil || out.Entities[1] != nil {
		t.Fatalf("got %d entities for %d representations; first two %+v %+v", len(out.Entities), len(reps), out.Entities[0], out.Entities[1])
	}
	seen := map[string]bool{}
	now := time.Now()
	for i, got := range out.Entities[2:] {
		if got == nil || got.ID != ids[i] || seen[got.URL] {
			t.Fatalf("entity %d: %+v", i, got)
		}
		seen[got.URL] = true
		signed, err := e.verify(t, got.URL, http.MethodGet, nil, now)
		if err != nil || !strings.HasSuffix(signed.Path, "/"+ids[i]) {
			t.Fatalf("entity %d url: %+v %v", i, signed, err)
		}
	}
	if status, body := mediatest.Fetch(t, out.Entities[50].URL); status != http.StatusOK || len(body) != out.Entities[50].Bytes {
		t.Fatalf("GET one of them: %d", status)
	}
}

const entitiesQuery = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Asset { ` + assetFields + ` } } }`

func entityReps(ids []string) []any {
	reps := make([]any, len(ids))
	for i, id := range ids {
		reps[i] = map[string]any{"__typename": "Asset", "id": id}
	}
	return reps
}

// seedAssets stores n small images straight through the asset service.
func seedAssets(t testing.TB, e env, n int) []string {
	t.Helper()
	png := mediatest.PNG(t, 8, 8)
	ids := make([]string, n)
	for i := range ids {
		a, err := e.svc.Assets.Upload(context.Background(), asset.Caller{ID: "vendor-1", Vendor: true}, asset.PurposeProductImage, bytes.NewReader(png), int64(len(png)))
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = a.ID
	}
	return ids
}

// Every demo vendor has its logo and every demo dish its image, under the
// ids the other seeds use, owned by the vendor; each opens from its URL.
func TestSeededImagesOpen(t *testing.T) {
	e := seeded(t)
	type want struct{ id, owner, purpose string }
	var wants []want
	for _, v := range demo.Vendors {
		wants = append(wants, want{demo.LogoAssetID(v.ID), v.ID, "VENDOR_LOGO"})
		for _, s := range v.Menu {
			for _, d := range s.Dishes {
				wants = append(wants, want{demo.DishImageAssetID(d.ID), v.ID, "PRODUCT_IMAGE"})
			}
		}
	}
	ids := make([]string, len(wants))
	for i, w := range wants {
		ids[i] = w.id
	}
	var out struct {
		Entities []*mediatest.Asset `json:"_entities"`
	}
	e.client("").MustData(t, entitiesQuery, map[string]any{"r": entityReps(ids)}, &out)
	images := map[string]bool{}
	for i, a := range out.Entities {
		w := wants[i]
		if a == nil || a.OwnerID != w.owner || a.Purpose != w.purpose || a.ContentType != "image/png" || a.Width < 256 {
			t.Fatalf("demo image %s: %+v", w.id, a)
		}
		status, body := mediatest.Fetch(t, a.URL)
		if status != http.StatusOK || len(body) != a.Bytes || !bytes.HasPrefix(body, []byte("\x89PNG")) {
			t.Fatalf("demo image %s: GET %d, %d bytes", a.ID, status, len(body))
		}
		images[string(body)] = true
	}
	if len(images) != len(wants) {
		t.Fatalf("%d distinct images for %d assets", len(images), len(wants))
	}
	if service.DemoProductImageID != demo.DishImageAssetID(demo.MargheritaID) {
		t.Fatal("the old demo id names another image")
	}
	// Seeding again stores nothing and records no event.
	before := e.objects(t)
	pending, err := e.svc.OutboxPending(context.Background())
	if err != nil || pending != len(wants) {
		t.Fatalf("%d uploaded events pending after the seed (%v), want %d", pending, err, len(wants))
	}
	if err := service.Seed(context.Background(), e.svc, logging.Discard()); err != nil {
		t.Fatal(err)
	}
	if after := e.objects(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("seeding again: %v -> %v", before, after)
	}
	if again, err := e.svc.OutboxPending(context.Background()); err != nil || again != pending {
		t.Fatalf("seeding again left %d events pending, was %d (%v)", again, pending, err)
	}
}

func TestBadInputIsAClientError(t *testing.T) {
	e := open(t)
	// An id is part of an object name: one that is not an asset id must be
	// refused before it reaches the bucket.
	e.client("").Do(t, assetQuery, map[string]any{"id": "../assets/x"}).ExpectCode(t, "INVALID_INPUT", "id")
	r := e.client("").Do(t, `{ asset(id: 1, extra: true) { id } }`, nil)
	if len(r.Errors) == 0 || r.Status >= 500 {
		t.Fatalf("unknown argument: status %d errors %+v", r.Status, r.Errors)
	}
}

const geocodeQuery = `query($a: String!) { geocode(address: $a) { lat lng } }`

type geoOut struct {
	Geocode *struct{ Lat, Lng float64 }
}

func TestGeocode(t *testing.T) {
	// A fresh address per run: the Redis cache outlives test runs.
	addr := "Via Roma 1, Milano " + testenv.Name("flat")
	srv := geocodetest.New(t, "maps-key", map[string]geocodetest.Place{addr: {Lat: 45.4642, Lng: 9.19}})
	e := open(t, func(c *config.Cloudmanager) {
		c.GoogleMapsAPIKey, c.GoogleMapsBaseURL = "maps-key", srv.URL
		c.RedisURL = testenv.Redis(t)
		c.GeocodeQuota = 3
	})
	user := e.client(e.token(testenv.Name("user"), auth.RoleCustomer))
	var out geoOut
	user.MustData(t, geocodeQuery, map[string]any{"a": addr}, &out)
	if out.Geocode == nil || out.Geocode.Lat != 45.4642 || out.Geocode.Lng != 9.19 {
		t.Fatalf("geocode %+v", out.Geocode)
	}
	if srv.Calls() != 1 {
		t.Fatalf("%d calls to the geocoder, want 1", srv.Calls())
	}
	user.MustData(t, geocodeQuery, map[string]any{"a": "  " + strings.ToUpper(addr) + " "}, &out)
	if out.Geocode == nil || out.Geocode.Lat != 45.4642 || srv.Calls() != 1 {
		t.Fatalf("the second call reached the geocoder (%d calls): %+v", srv.Calls(), out.Geocode)
	}
	user.MustData(t, geocodeQuery, map[string]any{"a": "Nowhere " + testenv.Name("street")}, &out)
	if out.Geocode != nil {
		t.Fatalf("no such place: %+v", out.Geocode)
	}
	user.Do(t, geocodeQuery, map[string]any{"a": "  "}).ExpectCode(t, "INVALID_INPUT", "address")
	user.Do(t, geocodeQuery, map[string]any{"a": addr}).ExpectCode(t, "RATE_LIMITED", "")
	// Another caller has its own quota.
	e.client(e.token(testenv.Name("user"), auth.RoleCustomer)).MustData(t, geocodeQuery, map[string]any{"a": addr}, &out)
	e.client("").Do(t, geocodeQuery, map[string]any{"a": addr}).ExpectCode(t, "UNAUTHENTICATED", "")

	srv.FailWithHTTP500()
	r := e.client(e.token(testenv.Name("user"))).Do(t, geocodeQuery, map[string]any{"a": "Somewhere " + testenv.Name("new")})
	r.ExpectCode(t, "UNAVAILABLE", "")
	if !strings.HasPrefix(r.Errors[0].Message, "the geocoding service failed: ") {
		t.Fatalf("message %q", r.Errors[0].Message)
	}
}

func TestGeocodeNotConfigured(t *testing.T) {
	e := open(t) // no key, no Redis
	r := e.client(e.token("u1")).Do(t, geocodeQuery, map[string]any{"a": "Via Roma 1"})
	r.ExpectCode(t, "UNAVAILABLE", "")
	if r.Errors[0].Message != "geocoding is not configured: set GOOGLE_MAPS_API_KEY" {
		t.Fatalf("message %q", r.Errors[0].Message)
	}

	// Dev mode answers the demo addresses without a key, and only them.
	dev := open(t, func(c *config.Cloudmanager) { c.DemoGeocoder = true })
	var out geoOut
	dev.client(dev.token("u1")).MustData(t, geocodeQuery, map[string]any{"a": "Piazza del Duomo 1, 20122 Milano, Italy"}, &out)
	if out.Geocode == nil || out.Geocode.Lat == 0 {
		t.Fatalf("demo address: %+v", out.Geocode)
	}
	dev.client(dev.token("u1")).Do(t, geocodeQuery, map[string]any{"a": "10 Downing Street, London"}).ExpectCode(t, "UNAVAILABLE", "")
}

func TestServiceSDL(t *testing.T) {
	e := open(t)
	var out struct {
		Service struct{ SDL string } `json:"_service"`
	}
	e.client("").MustData(t, `{ _service { sdl } }`, nil, &out)
	for _, want := range []string{`type Asset @key(fields: "id")`, "asset(id: ID!): Asset", "enum AssetPurpose", "scalar Upload",
		"uploadImage(file: Upload!, purpose: AssetPurpose!): Asset!", "type GeoPoint @shareable"} {
		if !strings.Contains(out.Service.SDL, want) {
			t.Fatalf("sdl lacks %q:\n%s", want, out.Service.SDL)
		}
	}
}

func TestHealthz(t *testing.T) {
	e := open(t, func(c *config.Cloudmanager) { c.RedisURL = testenv.Redis(t) })
	resp, err := http.Get(e.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var health struct{ Checks map[string]string }
	if err := json.NewDecoder(resp.Body).Decode(&health); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || health.Checks["gcs"] != "up" || health.Checks["redis"] != "up" {
		t.Fatalf("healthz %d %+v", resp.StatusCode, health)
	}
}

// A bucket that does not exist is a configuration mistake: Open says so
// instead of serving errors later.
func TestOpenFailsOnAMissingBucket(t *testing.T) {
	emu, err := blob.StartEmulator(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	cfg := config.Cloudmanager{Auth: testenv.Keys(t).Issuer(), GCSBucket: "nowhere", GCSEndpoint: emu.URL()}
	svc, err := service.Open(context.Background(), cfg, logging.Discard())
	if err == nil {
		svc.Close()
		t.Fatal("opened on a missing bucket")
	}
	if !strings.Contains(err.Error(), "GCS_BUCKET") {
		t.Fatalf("error does not name the setting: %v", err)
	}
}

// Against Google, signing needs a service account key: without one, Open
// says which settings to give.
func TestOpenNeedsASigningKeyForGoogle(t *testing.T) {
	cfg := config.Cloudmanager{Auth: testenv.Keys(t).Verifier(), GCSBucket: "b"}
	svc, err := service.Open(context.Background(), cfg, logging.Discard())
	if err == nil {
		svc.Close()
		t.Fatal("opened without a signing key")
	}
	if !strings.Contains(err.Error(), "GOOGLE_APPLICATION_CREDENTIALS") || !strings.Contains(err.Error(), "GCS_SIGNING_KEY") {
		t.Fatalf("error does not name the settings: %v", err)
	}
}

// A phone's photo keeps no location: EXIF (with its GPS position), XMP,
// IPTC and comments are removed from what is stored, whether it came in
// the request or through a signed PUT URL; the ICC profile stays.
func TestUploadsKeepNoLocation(t *testing.T) {
	e := open(t)
	owner := e.token("cust-1", auth.RoleCustomer)
	photo := mediatest.JPEGWithMetadata(t, 64, 48)
	if !bytes.Contains(photo, mediatest.GPSIFD) {
		t.Fatal("the test photo carries no GPS position")
	}
	clean := func(t *testing.T, a mediatest.Asset) {
		t.Helper()
		status, body := mediatest.Fetch(t, a.URL)
		if status != http.StatusOK || len(body) != a.Bytes || a.Bytes >= len(photo) || a.Width != 64 || a.Height != 48 {
			t.Fatalf("GET %d, %d bytes; asset %+v", status, len(body), a)
		}
		for _, leak := range [][]byte{mediatest.GPSIFD, []byte("Exif\x00\x00"), []byte("GPSLatitude")} {
			if bytes.Contains(body, leak) {
				t.Fatalf("the stored image holds %q", leak)
			}
		}
		if !bytes.Contains(body, mediatest.ICCProfile) {
			t.Fatal("the ICC profile was dropped")
		}
	}
	clean(t, mediatest.MustUploadImage(t, e.endpoint(), owner, "AVATAR", "photo.jpg", photo))

	var up struct{ CreateImageUpload struct{ AssetID, URL string } }
	e.client(owner).MustData(t, `mutation($b: Int!) { createImageUpload(purpose: AVATAR, contentType: "image/jpeg", bytes: $b) { assetId url } }`,
		map[string]any{"b": len(photo)}, &up)
	req, _ := http.NewRequest(http.MethodPut, up.CreateImageUpload.URL, bytes.NewReader(photo))
	req.Header.Set("Content-Type", "image/jpeg")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
	var confirmed struct{ ConfirmImageUpload mediatest.Asset }
	e.client(owner).MustData(t, `mutation($id: ID!) { confirmImageUpload(id: $id) { `+assetFields+` } }`,
		map[string]any{"id": up.CreateImageUpload.AssetID}, &confirmed)
	clean(t, confirmed.ConfirmImageUpload)
}
