package vendorprofile

import (
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
)

const someID = "0190c6b2-1c6a-7c55-9d5e-3f1a2b3c4d5e"

func TestNewValidation(t *testing.T) {
	good := Profile{Name: "Golden Wok", About: "Hand-pulled noodles."}
	cases := []struct {
		name  string
		id    string
		edit  func(*Profile)
		field string
	}{
		{"valid", someID, func(*Profile) {}, ""},
		{"about at the minimum", someID, func(p *Profile) { p.About = "abc" }, ""},
		{"about at the maximum", someID, func(p *Profile) { p.About = strings.Repeat("é", 150) }, ""},
		{"empty name", someID, func(p *Profile) { p.Name = "   " }, "name"},
		{"long name", someID, func(p *Profile) { p.Name = strings.Repeat("a", 101) }, "name"},
		{"short about", someID, func(p *Profile) { p.About = " ab " }, "about"},
		{"long about", someID, func(p *Profile) { p.About = strings.Repeat("a", 151) }, "about"},
		{"not a uuid", "vendor-1", func(*Profile) {}, "id"},
		{"uuid not in canonical form", strings.ToUpper(someID), func(*Profile) {}, "id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := good
			tc.edit(&p)
			v, err := New(tc.id, p, time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)))
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if v.Status != StatusPending || v.IsOpen || v.Version != 1 || v.CreatedAt.Location() != time.UTC {
					t.Fatalf("new vendor %+v", v)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.InvalidInput || e.Field != tc.field {
				t.Fatalf("got %v, want INVALID_INPUT on %s", err, tc.field)
			}
		})
	}
}

func TestNewTrims(t *testing.T) {
	v, err := New(someID, Profile{Name: "  Wok  ", About: "  Noodles  "}, time.Now())
	if err != nil || v.Name != "Wok" || v.About != "Noodles" {
		t.Fatalf("%v %+v", err, v)
	}
}

func TestStatusTransitions(t *testing.T) {
	cases := []struct {
		name     string
		from     Status
		act      func(*Vendor) error
		wantErr  apperr.Code
		wantStat Status
		wantOpen bool
	}{
		{"approve pending", StatusPending, func(v *Vendor) error { v.Approve(); return nil }, "", StatusApproved, false},
		{"approve suspended", StatusSuspended, func(v *Vendor) error { v.Approve(); return nil }, "", StatusApproved, false},
		{"open approved", StatusApproved, func(v *Vendor) error { return v.SetOpen(true) }, "", StatusApproved, true},
		{"open pending", StatusPending, func(v *Vendor) error { return v.SetOpen(true) }, apperr.Conflict, StatusPending, false},
		{"open suspended", StatusSuspended, func(v *Vendor) error { return v.SetOpen(true) }, apperr.Conflict, StatusSuspended, false},
		{"close pending", StatusPending, func(v *Vendor) error { return v.SetOpen(false) }, "", StatusPending, false},
		{"suspend closes", StatusApproved, func(v *Vendor) error {
			if err := v.SetOpen(true); err != nil {
				return err
			}
			v.Suspend()
			return nil
		}, "", StatusSuspended, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := Vendor{ID: someID, Status: tc.from}
			err := tc.act(&v)
			if tc.wantErr != "" {
				if apperr.CodeOf(err) != tc.wantErr {
					t.Fatalf("got %v, want %s", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if v.Status != tc.wantStat || v.IsOpen != tc.wantOpen {
				t.Fatalf("got status %s open %v", v.Status, v.IsOpen)
			}
		})
	}
}

func TestCanSee(t *testing.T) {
	admin := auth.Identity{Subject: "a", Roles: []auth.Role{auth.RoleCustomer, auth.RoleAdmin}}
	customer := auth.Identity{Subject: "c", Roles: []auth.Role{auth.RoleCustomer}}
	vendor := auth.Identity{Subject: someID, Roles: []auth.Role{auth.RoleVendor}}
	cases := []struct {
		status   Status
		caller   auth.Identity
		signedIn bool
		want     bool
	}{
		{StatusApproved, auth.Identity{}, false, true},
		{StatusApproved, customer, true, true},
		{StatusPending, auth.Identity{}, false, false},
		{StatusPending, customer, true, false},
		{StatusPending, vendor, true, false},
		{StatusPending, admin, true, true},
		{StatusSuspended, customer, true, false},
		{StatusSuspended, admin, true, true},
		{StatusSuspended, admin, false, false}, // an identity that was not verified counts for nothing
	}
	for _, tc := range cases {
		if got := CanSee(tc.caller, tc.signedIn, Vendor{ID: someID, Status: tc.status}); got != tc.want {
			t.Errorf("%s seen by %v (signed in %v): got %v", tc.status, tc.caller.Roles, tc.signedIn, got)
		}
	}
}
