package gcsstore_test

import (
	"context"
	"encoding/json"
	"io"
	"sort"
	"testing"
	"time"

	"cloud.google.com/go/storage"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/blob"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
	"github.com/platterhq/platter/subgraphs/cloudmanager/gcsstore"
)

// The store runs through the real storage client against the in-process
// emulator.
func newStore(t *testing.T) (*gcsstore.Store, *storage.BucketHandle) {
	t.Helper()
	ctx := context.Background()
	emu, err := blob.StartEmulator(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	if err := emu.CreateBucket(ctx, "media"); err != nil {
		t.Fatal(err)
	}
	bucket, closeClient, err := blob.OpenBucket(ctx, emu.URL(), "media")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeClient() })
	return gcsstore.New(bucket), bucket
}

func newAsset(t *testing.T) asset.Asset {
	t.Helper()
	id, err := asset.NewID()
	if err != nil {
		t.Fatal(err)
	}
	a, err := asset.New(id, "owner-1", asset.Image{Purpose: asset.PurposeGallery, ContentType: "image/png", Bytes: 2048, Width: 640, Height: 480}, time.Now().Truncate(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCreateAndFind(t *testing.T) {
	ctx := context.Background()
	s, bucket := newStore(t)
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping an empty bucket: %v", err)
	}
	want := newAsset(t)
	if err := s.Create(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.ByID(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if _, err := s.ByID(ctx, newAsset(t).ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("unknown id: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}

	// The layout is part of the contract: one JSON object per asset.
	attrs, err := bucket.Object("assets/" + want.ID + ".json").Attrs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if attrs.ContentType != "application/json" {
		t.Fatalf("content type %q", attrs.ContentType)
	}
	r, err := bucket.Object(gcsstore.ObjectName(want.ID)).NewReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	raw, _ := io.ReadAll(r)
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil || doc["id"] != want.ID || doc["purpose"] != "GALLERY" {
		t.Fatalf("object body %s (%v)", raw, err)
	}
}

func TestDuplicateIDIsConflict(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	first := newAsset(t)
	if err := s.Create(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := first
	second.OwnerID = "someone-else"
	if err := s.Create(ctx, second); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("got %v, want CONFLICT", err)
	}
	got, err := s.ByID(ctx, first.ID)
	if err != nil || got.OwnerID != "owner-1" {
		t.Fatalf("the first asset was overwritten: %v %+v", err, got)
	}
}

func TestByIDs(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	var ids []string
	for range 12 { // more than one round of parallel reads
		a := newAsset(t)
		if err := s.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	missing := newAsset(t).ID
	got, err := s.ByIDs(ctx, append([]string{missing}, ids...))
	if err != nil {
		t.Fatal(err)
	}
	var gotIDs []string
	for _, a := range got {
		gotIDs = append(gotIDs, a.ID)
	}
	sort.Strings(gotIDs)
	sort.Strings(ids)
	if len(gotIDs) != len(ids) {
		t.Fatalf("got %d assets, want %d", len(gotIDs), len(ids))
	}
	for i := range ids {
		if gotIDs[i] != ids[i] {
			t.Fatalf("got %v, want %v", gotIDs, ids)
		}
	}
	if got, err := s.ByIDs(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no ids: %v %+v", err, got)
	}
}
