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
	writer, bucket := newStore(t)
	// Another replica's store: nothing cached, every asset read from the
	// bucket.
	s := gcsstore.New(bucket)
	var ids []string
	for range 12 { // more than one round of parallel reads
		a := newAsset(t)
		if err := writer.Create(ctx, a); err != nil {
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
	// Read again, from the cache, the same.
	again, err := s.ByIDs(ctx, ids)
	if err != nil || len(again) != len(ids) {
		t.Fatalf("cached read: %d assets, %v", len(again), err)
	}
}

// Metadata is cached: a delete through this store is seen at once; one
// through another replica's store within MetadataCacheTTL.
func TestMetadataCache(t *testing.T) {
	ctx := context.Background()
	s, bucket := newStore(t)
	other := gcsstore.New(bucket)
	a := newAsset(t)
	if err := s.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := other.ByID(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ByID(ctx, a.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("deleted here, still found here: %v", err)
	}
	if got, err := other.ByID(ctx, a.ID); err != nil || got != a {
		t.Fatalf("the other replica's cache: %+v %v", got, err)
	}
	if gcsstore.MetadataCacheTTL > 10*time.Minute {
		t.Fatalf("stale metadata may live %s", gcsstore.MetadataCacheTTL)
	}
}

func TestDeleteAsset(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	a := newAsset(t)
	if err := s.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ByID(ctx, a.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("after delete: %v", err)
	}
	if err := s.Delete(ctx, a.ID); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
}

func TestPending(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	var want []asset.Pending
	for range 3 {
		id, _ := asset.NewID()
		p := asset.Pending{ID: id, OwnerID: "owner-1", Purpose: asset.PurposeAvatar, ContentType: "image/png", Bytes: 1234, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
		if err := s.CreatePending(ctx, p); err != nil {
			t.Fatal(err)
		}
		want = append(want, p)
	}
	if err := s.CreatePending(ctx, want[0]); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("duplicate pending: %v", err)
	}
	got, err := s.PendingByID(ctx, want[1].ID)
	if err != nil || got != want[1] {
		t.Fatalf("got %+v %v, want %+v", got, err, want[1])
	}
	// A pending upload is not an asset.
	if _, err := s.ByID(ctx, want[1].ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("pending visible as an asset: %v", err)
	}
	if err := s.DeletePending(ctx, want[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PendingByID(ctx, want[0].ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("after delete: %v", err)
	}
	all, err := s.Pendings(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("pendings %+v %v", all, err)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	if all[0] != want[1] || all[1] != want[2] {
		t.Fatalf("pendings %+v", all)
	}
}

func TestObjects(t *testing.T) {
	ctx := context.Background()
	_, bucket := newStore(t)
	o := gcsstore.NewObjects(bucket)
	before := time.Now().Add(-time.Second)
	if err := o.Put(ctx, "uploads/a", "image/png", []byte("png bytes")); err != nil {
		t.Fatal(err)
	}
	if err := o.Put(ctx, "uploads/a", "image/png", []byte("other")); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("overwrite: %v", err)
	}
	r, size, err := o.Open(ctx, "uploads/a")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(r)
	r.Close()
	if string(raw) != "png bytes" || size != 9 {
		t.Fatalf("read %q size %d", raw, size)
	}
	if _, _, err := o.Open(ctx, "uploads/missing"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("open missing: %v", err)
	}
	attrs, err := bucket.Object("uploads/a").Attrs(ctx)
	if err != nil || attrs.ContentType != "image/png" || attrs.Size != 9 {
		t.Fatalf("attrs %+v %v", attrs, err)
	}
	if names, err := o.List(ctx, "uploads/", time.Now().Add(time.Second)); err != nil || len(names) != 1 || names[0] != "uploads/a" {
		t.Fatalf("list %v %v", names, err)
	}
	if names, err := o.List(ctx, "uploads/", before); err != nil || len(names) != 0 {
		t.Fatalf("list of older objects %v %v", names, err)
	}
	if err := o.Delete(ctx, "uploads/a"); err != nil {
		t.Fatal(err)
	}
	if err := o.Delete(ctx, "uploads/a"); err != nil {
		t.Fatalf("delete missing: %v", err)
	}
	if _, _, err := o.Open(ctx, "uploads/a"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("after delete: %v", err)
	}
}
