package service_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/blob"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
	"github.com/platterhq/platter/subgraphs/cloudmanager/service"
)

type env struct {
	svc *service.Service
	url string
}

// open serves the subgraph on a fresh bucket of an in-process emulator.
func open(t *testing.T) env {
	t.Helper()
	ctx := context.Background()
	emu, err := blob.StartEmulator(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	if err := emu.CreateBucket(ctx, "platter-media"); err != nil {
		t.Fatal(err)
	}
	cfg := config.Cloudmanager{
		Auth:        testenv.Keys(t).Verifier(),
		GCSBucket:   "platter-media",
		GCSEndpoint: emu.URL(),
	}
	svc, err := service.Open(ctx, cfg, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	return env{svc: svc, url: testenv.Serve(t, svc)}
}

func seeded(t *testing.T) env {
	t.Helper()
	e := open(t)
	if err := service.Seed(context.Background(), e.svc, logging.Discard()); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e env) client() gqltest.Client { return gqltest.Client{URL: e.url + "/graphql"} }

type assetData struct {
	ID          string `json:"id"`
	Purpose     string `json:"purpose"`
	ContentType string `json:"contentType"`
	Bytes       int    `json:"bytes"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	CreatedAt   string `json:"createdAt"`
}

const assetQuery = `query($id: ID!) { asset(id: $id) { id purpose contentType bytes width height createdAt } }`

func TestAssetQuery(t *testing.T) {
	e := seeded(t)
	var out struct{ Asset *assetData }
	e.client().MustData(t, assetQuery, map[string]any{"id": service.DemoVendorLogoID}, &out)
	got := out.Asset
	if got == nil || got.ID != service.DemoVendorLogoID || got.Purpose != "VENDOR_LOGO" || got.ContentType != "image/png" ||
		got.Bytes != 18_432 || got.Width != 512 || got.Height != 512 {
		t.Fatalf("asset %+v", got)
	}
	if _, err := time.Parse(time.RFC3339, got.CreatedAt); err != nil || !strings.HasSuffix(got.CreatedAt, "Z") {
		t.Fatalf("createdAt %q is not RFC 3339 UTC", got.CreatedAt)
	}
	unknown, _ := asset.NewID()
	e.client().MustData(t, assetQuery, map[string]any{"id": unknown}, &out)
	if out.Asset != nil {
		t.Fatalf("unknown asset: %+v", out.Asset)
	}
}

func TestBadInputIsAClientError(t *testing.T) {
	e := open(t)
	// An id is part of an object name: one that is not an asset id must be
	// refused before it reaches the bucket.
	e.client().Do(t, assetQuery, map[string]any{"id": "../assets/x"}).ExpectCode(t, "INVALID_INPUT", "id")
	r := e.client().Do(t, `{ asset(id: 1, extra: true) { id } }`, nil)
	if len(r.Errors) == 0 || r.Status >= 500 {
		t.Fatalf("unknown argument: status %d errors %+v", r.Status, r.Errors)
	}
}

func TestEntities(t *testing.T) {
	e := seeded(t)
	unknown, _ := asset.NewID()
	const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Asset { id purpose } } }`
	reps := []any{
		map[string]any{"__typename": "Asset", "id": service.DemoProductImageID},
		map[string]any{"__typename": "Asset", "id": unknown},
		map[string]any{"__typename": "Asset", "id": "assets/../../etc"},
		map[string]any{"__typename": "Asset", "id": service.DemoVendorLogoID},
	}
	var out struct {
		Entities []*assetData `json:"_entities"`
	}
	e.client().MustData(t, q, map[string]any{"r": reps}, &out)
	if len(out.Entities) != len(reps) {
		t.Fatalf("got %d entities for %d representations", len(out.Entities), len(reps))
	}
	if out.Entities[0] == nil || out.Entities[0].Purpose != "PRODUCT_IMAGE" || out.Entities[3] == nil || out.Entities[3].Purpose != "VENDOR_LOGO" {
		t.Fatalf("known assets out of order: %+v %+v", out.Entities[0], out.Entities[3])
	}
	if out.Entities[1] != nil || out.Entities[2] != nil {
		t.Fatalf("unknown and malformed ids should be null: %+v %+v", out.Entities[1], out.Entities[2])
	}
}

func TestServiceSDL(t *testing.T) {
	e := open(t)
	var out struct {
		Service struct{ SDL string } `json:"_service"`
	}
	e.client().MustData(t, `{ _service { sdl } }`, nil, &out)
	for _, want := range []string{`type Asset @key(fields: "id")`, "asset(id: ID!): Asset", "enum AssetPurpose"} {
		if !strings.Contains(out.Service.SDL, want) {
			t.Fatalf("sdl lacks %q:\n%s", want, out.Service.SDL)
		}
	}
}

func TestSeedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	e := seeded(t)
	ids := []string{service.DemoVendorLogoID, service.DemoProductImageID}
	before, err := e.svc.Assets.GetMany(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if err := service.Seed(ctx, e.svc, logging.Discard()); err != nil {
		t.Fatal(err)
	}
	after, err := e.svc.Assets.GetMany(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ids {
		if before[i].ID == "" || before[i] != after[i] {
			t.Fatalf("seeding again changed %s: %+v -> %+v", ids[i], before[i], after[i])
		}
	}
}

func TestHealthz(t *testing.T) {
	e := open(t)
	resp, err := http.Get(e.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var health struct{ Checks map[string]string }
	if err := json.NewDecoder(resp.Body).Decode(&health); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || health.Checks["gcs"] != "up" {
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
