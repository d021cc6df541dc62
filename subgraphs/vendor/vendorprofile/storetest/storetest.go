// Package storetest is the conformance suite every vendorprofile.Store
// passes: the Mongo store on the embedded server (and a real one when
// MONGO_URI is set), and the same store behind the Redis cache.
package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// NewStores returns two store instances over one empty database: two
// processes, as far as any in-process locking goes.
type NewStores func(t *testing.T) (first, second vendorprofile.Store)

// Run runs the suite.
func Run(t *testing.T, newStores NewStores) {
	one := func(t *testing.T) vendorprofile.Store { s, _ := newStores(t); return s }
	t.Run("CreateAndFind", func(t *testing.T) { testCreateAndFind(t, one(t)) })
	t.Run("ByIDs", func(t *testing.T) { testByIDs(t, one(t)) })
	t.Run("ByEmailAndUniqueEmail", func(t *testing.T) { testByEmail(t, one(t)) })
	t.Run("DuplicateIDIsConflict", func(t *testing.T) { testDuplicateID(t, one(t)) })
	t.Run("ListByStatus", func(t *testing.T) { testList(t, one(t)) })
	t.Run("UpdateSavesAndBumpsVersion", func(t *testing.T) { testUpdate(t, one(t)) })
	t.Run("UpdateAbortsOnChangeError", func(t *testing.T) { testUpdateAborts(t, one(t)) })
	t.Run("UnchangedSavesNothing", func(t *testing.T) { testUnchanged(t, one(t)) })
	t.Run("ApplyAbsorbsRedelivery", func(t *testing.T) { testApply(t, one(t)) })
	t.Run("ConcurrentUpdateIsConflict", func(t *testing.T) { testConcurrentUpdate(t, newStores) })
}

// Vendor returns a valid vendor with the given status, a fresh id and an
// email of its own.
func Vendor(t testing.TB, name string, status vendorprofile.Status) vendorprofile.Vendor {
	t.Helper()
	id, err := vendorprofile.NewID()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	hours, err := vendorprofile.NewHours([]vendorprofile.DayHours{{Day: time.Monday, Ranges: []vendorprofile.RangeText{{Opens: "09:00", Closes: "12:00"}, {Opens: "18:00", Closes: "24:00"}}}})
	if err != nil {
		t.Fatal(err)
	}
	return vendorprofile.Vendor{
		ID: id, Name: name, About: "Fresh food, made to order.", Email: id + "@vendors.test", PasswordHash: "hash-" + id,
		Phone: "+39 02 1234", Address: "Via Roma 1, Milano", Location: &vendorprofile.GeoPoint{Lat: 45.46, Lng: 9.19},
		TimeZone: "Europe/Rome", LogoAssetID: "0190c6b2-1c6a-7c55-9d5e-3f1a2b3c4d01",
		GalleryAssets: []string{"0190c6b2-1c6a-7c55-9d5e-3f1a2b3c4d02"},
		Team:          []vendorprofile.TeamMember{{ID: "0190c6b2-1c6a-7c55-9d5e-3f1a2b3c4d03", Name: "Ada", Role: "Chef"}},
		SocialLinks:   []vendorprofile.SocialLink{{Title: "instagram", URL: "https://www.instagram.com/x"}},
		Hours:         hours, Status: status, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
}

// Equal compares vendors as a store returns them: PasswordHash only when
// both carry one (cached reads leave it out).
func Equal(a, b vendorprofile.Vendor) bool {
	if a.PasswordHash == "" || b.PasswordHash == "" {
		a.PasswordHash, b.PasswordHash = "", ""
	}
	return reflect.DeepEqual(a, b)
}

func mustCreate(t *testing.T, s vendorprofile.Store, v vendorprofile.Vendor) {
	t.Helper()
	if err := s.Create(context.Background(), v); err != nil {
		t.Fatal(err)
	}
}

func set(edit func(*vendorprofile.Vendor) error) vendorprofile.Change {
	return func(v *vendorprofile.Vendor) ([]events.Envelope, error) { return nil, edit(v) }
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
		if !Equal(got, want) {
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
		if len(got) != 2 || !Equal(byID[a.ID], a) || !Equal(byID[c.ID], c) {
			t.Fatalf("read %d: got %+v", i, got)
		}
	}
	if got, err := s.ByIDs(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no ids: %v %+v", err, got)
	}
}

func testByEmail(t *testing.T, s vendorprofile.Store) {
	ctx := context.Background()
	v := Vendor(t, "Mail Order", vendorprofile.StatusPending)
	mustCreate(t, s, v)
	got, err := s.ByEmail(ctx, v.Email)
	if err != nil || got.ID != v.ID || got.PasswordHash != v.PasswordHash {
		t.Fatalf("by email: %v %+v", err, got)
	}
	if _, err := s.ByEmail(ctx, "nobody@vendors.test"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("unknown email: %v", err)
	}
	twin := Vendor(t, "Twin", vendorprofile.StatusPending)
	twin.Email = v.Email
	e, ok := apperr.As(s.Create(ctx, twin))
	if !ok || e.Code != apperr.Conflict || e.Field != "email" {
		t.Fatalf("taken email: %v", e)
	}
}

func testDuplicateID(t *testing.T, s vendorprofile.Store) {
	first := Vendor(t, "First", vendorprofile.StatusPending)
	mustCreate(t, s, first)
	second := first
	second.Name, second.Email = "Second", "second@vendors.test"
	err := s.Create(context.Background(), second)
	if apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("got %v, want CONFLICT", err)
	}
	got, err := s.ByID(context.Background(), first.ID)
	if err != nil || got.Name != "First" {
		t.Fatalf("the first vendor was overwritten: %v %+v", err, got)
	}
}

func testList(t *testing.T, s vendorprofile.Store) {
	ctx := context.Background()
	a := Vendor(t, "A", vendorprofile.StatusApproved)
	p := Vendor(t, "P", vendorprofile.StatusPending)
	x := Vendor(t, "X", vendorprofile.StatusSuspended)
	for _, v := range []vendorprofile.Vendor{a, p, x} {
		mustCreate(t, s, v)
	}
	got, err := s.List(ctx, vendorprofile.StatusApproved, vendorprofile.StatusPending)
	if err != nil || len(got) != 2 {
		t.Fatalf("list: %v %+v", err, got)
	}
	for _, v := range got {
		if v.ID == x.ID || (!Equal(v, a) && !Equal(v, p)) {
			t.Fatalf("listed %+v", v)
		}
	}
}

func testUpdate(t *testing.T, s vendorprofile.Store) {
	ctx := context.Background()
	v := Vendor(t, "Green Bowl", vendorprofile.StatusPending)
	mustCreate(t, s, v)
	if _, err := s.ByID(ctx, v.ID); err != nil { // warm any cache
		t.Fatal(err)
	}
	saved, err := s.Update(ctx, v.ID, set(func(v *vendorprofile.Vendor) error {
		v.Approve()
		v.GalleryAssets = nil
		return v.SetOpen(true)
	}))
	if err != nil {
		t.Fatal(err)
	}
	if saved.Version != v.Version+1 || saved.Status != vendorprofile.StatusApproved || !saved.IsOpen || len(saved.GalleryAssets) != 0 {
		t.Fatalf("update returned %+v", saved)
	}
	got, err := s.ByID(ctx, v.ID)
	if err != nil || !Equal(got, saved) {
		t.Fatalf("read after update %v %+v, want %+v", err, got, saved)
	}
	if byMail, err := s.ByEmail(ctx, v.Email); err != nil || byMail.PasswordHash != v.PasswordHash {
		t.Fatalf("the password hash did not survive an update: %v %+v", err, byMail)
	}
	if _, err := s.Update(ctx, Vendor(t, "Missing", vendorprofile.StatusPending).ID, set(func(*vendorprofile.Vendor) error { return nil })); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("update of an unknown id: %v", err)
	}
}

func testUpdateAborts(t *testing.T, s vendorprofile.Store) {
	ctx := context.Background()
	v := Vendor(t, "Closed Shop", vendorprofile.StatusPending)
	mustCreate(t, s, v)
	_, err := s.Update(ctx, v.ID, set(func(v *vendorprofile.Vendor) error {
		v.Name = "Renamed"
		return v.SetOpen(true) // refused: not approved
	}))
	if apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("got %v, want the change's CONFLICT", err)
	}
	got, err := s.ByID(ctx, v.ID)
	if err != nil || !Equal(got, v) {
		t.Fatalf("an aborted change was saved: %v %+v", err, got)
	}
}

func testUnchanged(t *testing.T, s vendorprofile.Store) {
	ctx := context.Background()
	v := Vendor(t, "Steady", vendorprofile.StatusPending)
	mustCreate(t, s, v)
	_, err := s.Update(ctx, v.ID, set(func(v *vendorprofile.Vendor) error { v.Name = "Lost"; return vendorprofile.ErrUnchanged }))
	if !errors.Is(err, vendorprofile.ErrUnchanged) {
		t.Fatalf("got %v, want ErrUnchanged", err)
	}
	if got, err := s.ByID(ctx, v.ID); err != nil || !Equal(got, v) {
		t.Fatalf("an unchanged vendor was saved: %v %+v", err, got)
	}
}

func testApply(t *testing.T, s vendorprofile.Store) {
	ctx := context.Background()
	v := Vendor(t, "Event Driven", vendorprofile.StatusApproved)
	mustCreate(t, s, v)
	rename := set(func(v *vendorprofile.Vendor) error { v.Name += "!"; return nil })
	for i, want := range []bool{true, false} {
		got, applied, err := s.Apply(ctx, v.ID, "0190c6b2-1c6a-7c55-9d5e-00000000e001", rename)
		if err != nil || applied != want || got.Name != "Event Driven!" || got.Version != v.Version+1 {
			t.Fatalf("delivery %d: applied %v, %v %+v", i, applied, err, got)
		}
	}
	if got, applied, err := s.Apply(ctx, v.ID, "0190c6b2-1c6a-7c55-9d5e-00000000e002", rename); err != nil || !applied || got.Name != "Event Driven!!" {
		t.Fatalf("another event: %v %v %+v", applied, err, got)
	}
	// A change with nothing to do is not an error on behalf of an event.
	if _, applied, err := s.Apply(ctx, v.ID, "0190c6b2-1c6a-7c55-9d5e-00000000e003", set(func(*vendorprofile.Vendor) error { return vendorprofile.ErrUnchanged })); err != nil || applied {
		t.Fatalf("unchanged: %v %v", applied, err)
	}
}

// A write that lands between another writer's read and save makes that
// save fail instead of silently overwriting it. The writers are two store
// instances, as two processes would be: within one instance the per-vendor
// lock makes a nested write wait for the outer one.
func testConcurrentUpdate(t *testing.T, newStores NewStores) {
	ctx := context.Background()
	s, other := newStores(t)
	v := Vendor(t, "Busy Kitchen", vendorprofile.StatusPending)
	mustCreate(t, s, v)
	_, err := s.Update(ctx, v.ID, set(func(stale *vendorprofile.Vendor) error {
		if _, err := other.Update(ctx, v.ID, set(func(v *vendorprofile.Vendor) error { v.Approve(); return nil })); err != nil {
			t.Errorf("inner update: %v", err)
		}
		stale.Suspend()
		return nil
	}))
	if apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("got %v, want CONFLICT", err)
	}
	for _, st := range []vendorprofile.Store{s, other} {
		got, err := st.ByID(ctx, v.ID)
		if err != nil || got.Status != vendorprofile.StatusApproved || got.Version != v.Version+1 {
			t.Fatalf("want the inner update kept, got %v %+v", err, got)
		}
	}
}
