package asset_test

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
	"github.com/platterhq/platter/subgraphs/cloudmanager/mediatest"
)

type fixture struct {
	svc     *asset.Service
	store   *memStore
	objects *memObjects
	signer  *fakeSigner
	events  *memOutbox
	clock   *clock
}

const maxBytes = 64 << 10

func newFixture(t *testing.T) fixture {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	f := fixture{store: newMemStore(), objects: newMemObjects(c.now), signer: &fakeSigner{}, events: &memOutbox{}, clock: c}
	f.svc = asset.NewService(asset.Deps{
		Store: f.store, Objects: f.objects, Signer: f.signer, Outbox: f.events, Now: c.now,
		Limits: asset.Limits{MaxBytes: maxBytes, URLTTL: 30 * time.Minute, UploadURLTTL: 10 * time.Minute},
	})
	return f
}

var (
	customer = asset.Caller{ID: "customer-1"}
	other    = asset.Caller{ID: "customer-2"}
	vendor   = asset.Caller{ID: "vendor-1", Vendor: true}
	admin    = asset.Caller{ID: "admin-1", Admin: true}
)

func wantInvalid(t *testing.T, err error, field, says string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.InvalidInput || e.Field != field || !strings.Contains(e.Message, says) {
		t.Fatalf("got %v, want INVALID_INPUT on %s saying %q", err, field, says)
	}
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestUpload(t *testing.T) {
	ctx := context.Background()
	png := mediatest.PNG(t, 32, 16)
	huge := mediatest.NoisyPNG(t, maxBytes+100, 1)
	cases := []struct {
		name    string
		caller  asset.Caller
		purpose asset.Purpose
		data    []byte
		size    int64
		field   string // INVALID_INPUT on field, or
		code    apperr.Code
	}{
		{"png avatar", customer, asset.PurposeAvatar, png, int64(len(png)), "", ""},
		{"size unknown", customer, asset.PurposeAvatar, png, -1, "", ""},
		{"vendor logo", vendor, asset.PurposeVendorLogo, mediatest.JPEG(t, 20, 20), -1, "", ""},
		{"webp gallery by admin", admin, asset.PurposeGallery, mediatest.WebP, -1, "", ""},
		{"empty", customer, asset.PurposeAvatar, nil, 0, "file", ""},
		{"declared too large", customer, asset.PurposeAvatar, png, maxBytes + 1, "file", ""},
		{"too large, size unknown", customer, asset.PurposeAvatar, huge, -1, "file", ""},
		{"not an image", customer, asset.PurposeAvatar, []byte("hello, world"), 12, "file", ""},
		{"unknown purpose", customer, "BANNER", png, -1, "purpose", ""},
		{"customer uploads a vendor logo", customer, asset.PurposeVendorLogo, png, -1, "", apperr.Forbidden},
		{"no caller", asset.Caller{}, asset.PurposeAvatar, png, -1, "", apperr.Forbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			a, err := f.svc.Upload(ctx, tc.caller, tc.purpose, bytes.NewReader(tc.data), tc.size)
			switch {
			case tc.field != "":
				wantInvalid(t, err, tc.field, "")
			case tc.code != "":
				wantCode(t, err, tc.code)
			default:
				if err != nil {
					t.Fatal(err)
				}
				if a.OwnerID != tc.caller.ID || a.Purpose != tc.purpose || a.Bytes != int64(len(tc.data)) {
					t.Fatalf("asset %+v", a)
				}
				if got := f.objects.names(); !slices.Equal(got, []string{a.Object()}) {
					t.Fatalf("objects %v, want only %s", got, a.Object())
				}
				if len(f.events.uploaded) != 1 || f.events.uploaded[0].ID != a.ID {
					t.Fatalf("uploaded events %+v", f.events.uploaded)
				}
				return
			}
			if n := len(f.objects.names()); n != 0 || len(f.store.assets) != 0 {
				t.Fatalf("a refused upload left %d objects and %d assets", n, len(f.store.assets))
			}
		})
	}
}

func TestUploadAtTheLimit(t *testing.T) {
	f := newFixture(t)
	png := mediatest.NoisyPNG(t, maxBytes-200, 2)
	data := append(png, make([]byte, maxBytes-len(png))...) // trailing bytes after IEND: decoders ignore them, and so are they stored
	a, err := f.svc.Upload(context.Background(), customer, asset.PurposeAvatar, bytes.NewReader(data), int64(len(data)))
	if err != nil || a.Bytes != int64(len(png)) {
		t.Fatalf("exactly the limit: %+v %v", a, err)
	}
	_, err = f.svc.Upload(context.Background(), customer, asset.PurposeAvatar, bytes.NewReader(append(data, 0)), -1)
	wantInvalid(t, err, "file", "limit")
}

func upload(t *testing.T, f fixture, c asset.Caller) asset.Asset {
	t.Helper()
	a, err := f.svc.Upload(context.Background(), c, asset.PurposeAvatar, bytes.NewReader(mediatest.PNG(t, 8, 8)), -1)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestURLsAreSignedLocallyAndReused(t *testing.T) {
	f := newFixture(t)
	a := upload(t, f, customer)
	u1, err := f.svc.URL(a)
	if err != nil {
		t.Fatal(err)
	}
	want := "signed:GET:" + a.Object() + "::"
	if !strings.HasPrefix(u1, want) || !strings.Contains(u1, ":"+itoa(f.clock.now().Add(30*time.Minute).Unix())+":") {
		t.Fatalf("url %s: want a GET of %s for 30 minutes", u1, a.Object())
	}
	f.clock.advance(14 * time.Minute)
	if u2, _ := f.svc.URL(a); u2 != u1 {
		t.Fatal("a URL with more than half its life left was not reused")
	}
	f.clock.advance(2 * time.Minute)
	u3, _ := f.svc.URL(a)
	if u3 == u1 || !strings.Contains(u3, ":"+itoa(f.clock.now().Add(30*time.Minute).Unix())+":") {
		t.Fatalf("a URL past half its life was reused: %s", u3)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestDelete(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	mine := upload(t, f, customer)
	theirs := upload(t, f, other)

	wantCode(t, f.svc.Delete(ctx, other, mine.ID), apperr.Forbidden)
	wantCode(t, f.svc.Delete(ctx, asset.Caller{}, mine.ID), apperr.Forbidden)
	unknown, _ := asset.NewID()
	wantCode(t, f.svc.Delete(ctx, customer, unknown), apperr.NotFound)
	wantInvalid(t, f.svc.Delete(ctx, customer, "../x"), "id", "")
	if _, err := f.svc.Get(ctx, mine.ID); err != nil {
		t.Fatalf("a refused delete removed the asset: %v", err)
	}

	if err := f.svc.Delete(ctx, customer, mine.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Delete(ctx, admin, theirs.ID); err != nil {
		t.Fatalf("admin delete: %v", err)
	}
	for _, a := range []asset.Asset{mine, theirs} {
		if _, err := f.svc.Get(ctx, a.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("deleted asset still there: %v", err)
		}
	}
	if n := len(f.objects.names()); n != 0 {
		t.Fatalf("%d objects left", n)
	}
	d := f.events.deleted
	if len(d) != 2 || d[0].ID != mine.ID || d[0].OwnerID != customer.ID || d[1].ID != theirs.ID || d[1].OwnerID != other.ID {
		t.Fatalf("deleted events %+v", d)
	}
	wantCode(t, f.svc.Delete(ctx, customer, mine.ID), apperr.NotFound)
}

func TestGetManyKeepsOrder(t *testing.T) {
	f := newFixture(t)
	a, b := upload(t, f, customer), upload(t, f, other)
	unknown, _ := asset.NewID()
	got, err := f.svc.GetMany(context.Background(), []string{b.ID, "bad", unknown, a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0].ID != b.ID || got[1].ID != "" || got[2].ID != "" || got[3].ID != a.ID {
		t.Fatalf("got %+v", got)
	}
}

// createUpload starts a signed upload and returns it.
func createUpload(t *testing.T, f fixture, c asset.Caller, contentType string, size int) asset.Upload {
	t.Helper()
	up, err := f.svc.CreateUpload(context.Background(), c, asset.PurposeAvatar, contentType, int64(size))
	if err != nil {
		t.Fatal(err)
	}
	return up
}

func TestSignedUpload(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	data := mediatest.JPEG(t, 30, 20)
	up := createUpload(t, f, customer, "image/jpeg", len(data))
	if up.Method != "PUT" || up.Headers["Content-Type"] != "image/jpeg" ||
		!strings.HasPrefix(up.URL, "signed:PUT:uploads/"+up.Pending.ID+":image/jpeg:") ||
		!up.Pending.ExpiresAt.Equal(f.clock.now().Add(10*time.Minute)) {
		t.Fatalf("upload %+v", up)
	}
	// Not visible before it is confirmed.
	if _, err := f.svc.Get(ctx, up.Pending.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("pending asset visible: %v", err)
	}
	_, err := f.svc.ConfirmUpload(ctx, customer, up.Pending.ID)
	wantInvalid(t, err, "id", "nothing has been uploaded")

	f.objects.put(asset.StagingName(up.Pending.ID), "image/jpeg", data)
	_, err = f.svc.ConfirmUpload(ctx, other, up.Pending.ID)
	wantCode(t, err, apperr.Forbidden)
	a, err := f.svc.ConfirmUpload(ctx, customer, up.Pending.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != up.Pending.ID || a.ContentType != "image/jpeg" || a.Width != 30 || a.Height != 20 || a.Bytes != int64(len(data)) || a.OwnerID != customer.ID {
		t.Fatalf("confirmed %+v", a)
	}
	if got := f.objects.names(); !slices.Equal(got, []string{a.Object()}) {
		t.Fatalf("objects after confirm %v", got)
	}
	if len(f.store.pending) != 0 || len(f.events.uploaded) != 1 {
		t.Fatalf("pending %d, uploaded events %d", len(f.store.pending), len(f.events.uploaded))
	}

	// The URL used again: the bytes land in staging, never in the asset's
	// object; confirming again is CONFLICT and removes them.
	f.objects.put(asset.StagingName(a.ID), "image/jpeg", mediatest.JPEG(t, 5, 5))
	_, err = f.svc.ConfirmUpload(ctx, customer, a.ID)
	wantCode(t, err, apperr.Conflict)
	if got := f.objects.names(); !slices.Equal(got, []string{a.Object()}) {
		t.Fatalf("objects after a second confirm %v", got)
	}
	r, _, _ := f.objects.Open(ctx, a.Object())
	var got bytes.Buffer
	_, _ = got.ReadFrom(r)
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatal("the confirmed image changed")
	}
}

func TestSignedUploadRefusals(t *testing.T) {
	ctx := context.Background()
	png := mediatest.PNG(t, 10, 10)
	cases := []struct {
		name     string
		declared string
		size     int
		put      []byte
		wait     time.Duration
		field    string
		says     string
	}{
		{"size differs", "image/png", len(png) + 1, png, 0, "bytes", "not the"},
		{"type differs", "image/jpeg", len(png), png, 0, "contentType", "are image/png, not the declared image/jpeg"},
		{"not an image", "image/png", 11, []byte("hello world"), 0, "contentType", "not a JPEG, PNG or WebP"},
		{"confirmed too late", "image/png", len(png), png, 10*time.Minute + asset.ConfirmGrace + time.Second, "id", "expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			up := createUpload(t, f, customer, tc.declared, tc.size)
			f.objects.put(asset.StagingName(up.Pending.ID), tc.declared, tc.put)
			f.clock.advance(tc.wait)
			_, err := f.svc.ConfirmUpload(ctx, customer, up.Pending.ID)
			wantInvalid(t, err, tc.field, tc.says)
			// Nothing is left: no object, no pending record, no asset.
			if n := len(f.objects.names()); n != 0 || len(f.store.pending) != 0 || len(f.store.assets) != 0 {
				t.Fatalf("left %d objects, %d pending, %d assets", n, len(f.store.pending), len(f.store.assets))
			}
			_, err = f.svc.ConfirmUpload(ctx, customer, up.Pending.ID)
			wantCode(t, err, apperr.NotFound)
		})
	}

	f := newFixture(t)
	for _, tc := range []struct {
		caller      asset.Caller
		contentType string
		size        int64
		field       string
	}{
		{customer, "image/gif", 10, "contentType"},
		{customer, "image/png", 0, "bytes"},
		{customer, "image/png", maxBytes + 1, "bytes"},
	} {
		_, err := f.svc.CreateUpload(ctx, tc.caller, asset.PurposeAvatar, tc.contentType, tc.size)
		wantInvalid(t, err, tc.field, "")
	}
	_, err := f.svc.CreateUpload(ctx, customer, asset.PurposeCourierPhoto, "image/png", 10)
	wantCode(t, err, apperr.Forbidden)
	if len(f.store.pending) != 0 {
		t.Fatal("a refused upload was recorded")
	}
}

func TestSweepRemovesWhatCannotBeConfirmed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	png := mediatest.PNG(t, 4, 4)
	abandoned := createUpload(t, f, customer, "image/png", len(png))
	f.objects.put(asset.StagingName(abandoned.Pending.ID), "image/png", png)
	confirmed := createUpload(t, f, customer, "image/png", len(png))
	f.objects.put(asset.StagingName(confirmed.Pending.ID), "image/png", png)
	a, err := f.svc.ConfirmUpload(ctx, customer, confirmed.Pending.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.objects.put(asset.StagingName(a.ID), "image/png", png) // the used URL used again

	if p, s, err := f.svc.SweepUploads(ctx); err != nil || p != 0 || s != 0 {
		t.Fatalf("too early, the sweep removed %d pending and %d staged (%v)", p, s, err)
	}
	f.clock.advance(10*time.Minute + asset.ConfirmGrace + time.Second)
	fresh := createUpload(t, f, customer, "image/png", len(png))
	f.objects.put(asset.StagingName(fresh.Pending.ID), "image/png", png)

	p, s, err := f.svc.SweepUploads(ctx)
	if err != nil || p != 1 || s != 1 {
		t.Fatalf("the sweep removed %d pending and %d staged (%v), want 1 and 1", p, s, err)
	}
	want := []string{a.Object(), asset.StagingName(fresh.Pending.ID)}
	slices.Sort(want)
	if got := f.objects.names(); !slices.Equal(got, want) {
		t.Fatalf("objects %v, want %v", got, want)
	}
	if _, ok := f.store.pending[fresh.Pending.ID]; !ok || len(f.store.pending) != 1 {
		t.Fatalf("pending %v", f.store.pending)
	}
}

func TestEnsureImage(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	const id = "01936b2a-4c00-7a00-8000-00000000c001"
	png := mediatest.PNG(t, 12, 12)
	a, created, err := f.svc.EnsureImage(ctx, id, "platter-demo", asset.PurposeVendorLogo, png)
	if err != nil || !created || a.Width != 12 || a.Bytes != int64(len(png)) {
		t.Fatalf("first: %+v %v %v", a, created, err)
	}
	if _, created, err := f.svc.EnsureImage(ctx, id, "platter-demo", asset.PurposeVendorLogo, png); err != nil || created {
		t.Fatalf("again: %v %v", created, err)
	}
	// Metadata whose bytes are missing gets them back.
	_ = f.objects.Delete(ctx, a.Object())
	if _, created, err := f.svc.EnsureImage(ctx, id, "platter-demo", asset.PurposeVendorLogo, png); err != nil || !created {
		t.Fatalf("repair: %v %v", created, err)
	}
	if got := f.objects.names(); !slices.Equal(got, []string{a.Object()}) {
		t.Fatalf("objects %v", got)
	}
}
