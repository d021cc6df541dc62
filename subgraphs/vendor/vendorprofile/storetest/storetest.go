// Package storetest is the conformance suite every vendorprofile.Store
// passes: the Mongo store on the embedded and the real server, and the same
// store behind the Redis cache.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// Run runs the suite; newStore returns an empty store for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) vendorprofile.Store) {
	t.Run("CreateAndFind", func(t *testing.T) { testCreateAndFind(t, newStore(t)) })
	t.Run("ByIDs", func(t *testing.T) { testByIDs(t, newStore(t)) })
	t.Run("DuplicateIDIsConflict", func(t *testing.T) { testDuplicateID(t, newStore(t)) })
	t.Run("UpdateSavesAndBumpsVersion", func(t *testing.T) { testUpdate(t, newStore(t)) })
	t.Run("UpdateAbortsOnChangeError", func(t *testing.T) { testUpdateAborts(t, newStore(t)) })
	t.Run("ConcurrentUpdateIsConflict", func(t *testing.T) { testConcurrentUpdate(t, newStore(t)) })
}

// Vendor returns a valid vendor with the given status and a fresh id.
func Vendor(t testing.TB, name string, status vendorprofile.Status) vendorprofile.Vendor {
	t.Helper()
	id, err := vendorprofile.NewID()
	if err != nil {
		t.Fatal(err)
	}
	v, err := vendorprofile.New(id, vendorprofile.Profile{Name: name, About: "Fresh food, made to order."}, time.Now().Truncate(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	v.Status = status
	return v
}

func mustCreate(t *testing.T, s vendorprofile.Store, v vendorprofile.Vendor) {
	t.Helper()
	if err := s.Create(context.Background(), v); err != nil {
		t.Fatal(err)
	}
}

func testCreateAndFind(t *testing.T, s vendorprofile.Store) {
	ctx := context.Background()
	want := Vendor(t, "Golden Wok", vendorprofile.StatusApproved)
	want.IsOpen = true
	mustCreate(t, s, want)
	for i := range 2 { // twice: a caching store answers the second from its cache
		got, err := s.ByID(ctx, want.ID)
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if got != want {
			t.Fatalf("read %d: got %+v, want %+v", i, got, want)
		}
	}
	if _, err := s.ByID(ctx, Vendor(t, "Missing", vendorprofile.StatusApproved).ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("unknown id: %v", err)
	}
}

func testByIDs(t *testing.T, s vendorprofile.Store) {
	ctx := context.Background()
	a := Vendor(t, "A", vendorprofile.StatusApproved)
	b := Vendor(t, "B", vendorprofile.StatusPending)
	c := Vendor(t, "C", vendorprofile.StatusSuspended)
	for _, v := range []vendorprofile.Vendor{a, b, c} {
		mustCreate(t, s, v)
	}
	if _, err := s.ByID(ctx, c.ID); err != nil { // a caching store now holds c only
		t.Fatal(err)
	}
	missing := Vendor(t, "Missing", vendorprofile.StatusApproved).ID
	for i := range 2 {
		got, err := s.ByIDs(ctx, []string{c.ID, missing, a.ID})
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		byID := map[string]vendorprofile.Vendor{}
		for _, v := range got {
			byID[v.ID] = v
		}
		if len(got) != 2 || byID[a.ID] != a || byID[c.ID] != c {
			t.Fatalf("read %d: got %+v", i, got)
		}
	}
	if got, err := s.ByIDs(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no ids: %v %+v", err, got)
	}
}

func testDuplicateID(t *testing.T, s vendorprofile.Store) {
	first := Vendor(t, "First", vendorprofile.StatusPending)
	mustCreate(t, s, first)
	second := first
	second.Name = "Second"
	err := s.Create(context.Background(), second)
	if apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("got %v, want CONFLICT", err)
	}
	got, err := s.ByID(context.Background(), first.ID)
	if err != nil || got.Name != "First" {
		t.Fatalf("the first vendor was overwritten: %v %+v", err, got)
	}
}

func testUpdate(t *testing.T, s vendorprofile.Store) {
	ctx := context.Background()
	v := Vendor(t, "Green Bowl", vendorprofile.StatusPending)
	mustCreate(t, s, v)
	if _, err := s.ByID(ctx, v.ID); err != nil { // warm any cache
		t.Fatal(err)
	}
	saved, err := s.Update(ctx, v.ID, func(v *vendorprofile.Vendor) error {
		v.Approve()
		return v.SetOpen(true)
	})
	if err != nil {
		t.Fatal(err)
	}
	if saved.Version != v.Version+1 || saved.Status != vendorprofile.StatusApproved || !saved.IsOpen {
		t.Fatalf("update returned %+v", saved)
	}
	got, err := s.ByID(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got != saved {
		t.Fatalf("read after update %+v, want %+v", got, saved)
	}
	if _, err := s.Update(ctx, Vendor(t, "Missing", vendorprofile.StatusPending).ID, func(*vendorprofile.Vendor) error { return nil }); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("update of an unknown id: %v", err)
	}
}

func testUpdateAborts(t *testing.T, s vendorprofile.Store) {
	ctx := context.Background()
	v := Vendor(t, "Closed Shop", vendorprofile.StatusPending)
	mustCreate(t, s, v)
	_, err := s.Update(ctx, v.ID, func(v *vendorprofile.Vendor) error {
		v.Name = "Renamed"
		return v.SetOpen(true) // refused: not approved
	})
	if apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("got %v, want the change's CONFLICT", err)
	}
	got, err := s.ByID(ctx, v.ID)
	if err != nil || got != v {
		t.Fatalf("an aborted change was saved: %v %+v", err, got)
	}
}

// A write that lands between another writer's read and save makes that
// save fail instead of silently overwriting it.
func testConcurrentUpdate(t *testing.T, s vendorprofile.Store) {
	ctx := context.Background()
	v := Vendor(t, "Busy Kitchen", vendorprofile.StatusPending)
	mustCreate(t, s, v)
	_, err := s.Update(ctx, v.ID, func(stale *vendorprofile.Vendor) error {
		if _, err := s.Update(ctx, v.ID, func(v *vendorprofile.Vendor) error { v.Approve(); return nil }); err != nil {
			t.Errorf("inner update: %v", err)
		}
		stale.Suspend()
		return nil
	})
	if apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("got %v, want CONFLICT", err)
	}
	got, err := s.ByID(ctx, v.ID)
	if err != nil || got.Status != vendorprofile.StatusApproved || got.Version != v.Version+1 {
		t.Fatalf("want the inner update kept, got %v %+v", err, got)
	}
}
