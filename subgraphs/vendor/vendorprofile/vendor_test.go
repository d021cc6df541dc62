package vendorprofile

import (
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
)

const someID = "0190c6b2-1c6a-7c55-9d5e-3f1a2b3c4d5e"

func expectField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.InvalidInput || e.Field != field {
		t.Fatalf("got %v, want INVALID_INPUT on %s", err, field)
	}
}

func TestNewVendorValidation(t *testing.T) {
	good := Application{Name: "Golden Wok", About: "Hand-pulled noodles.", Email: " Wok@Example.COM ", Password: "long enough"}
	cases := []struct {
		name  string
		id    string
		edit  func(*Application)
		field string
	}{
		{"valid", someID, func(*Application) {}, ""},
		{"about at the minimum", someID, func(a *Application) { a.About = "abc" }, ""},
		{"about at the maximum", someID, func(a *Application) { a.About = strings.Repeat("é", 150) }, ""},
		{"empty name", someID, func(a *Application) { a.Name = "   " }, "name"},
		{"long name", someID, func(a *Application) { a.Name = strings.Repeat("a", 101) }, "name"},
		{"short about", someID, func(a *Application) { a.About = " ab " }, "about"},
		{"long about", someID, func(a *Application) { a.About = strings.Repeat("a", 151) }, "about"},
		{"bad email", someID, func(a *Application) { a.Email = "wok" }, "email"},
		{"short password", someID, func(a *Application) { a.Password = "short" }, "password"},
		{"bad zone", someID, func(a *Application) { a.TimeZone = "Local" }, "timeZone"},
		{"not a uuid", "vendor-1", func(*Application) {}, "id"},
		{"uuid not in canonical form", strings.ToUpper(someID), func(*Application) {}, "id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := good
			tc.edit(&a)
			v, _, err := newVendor(tc.id, a, time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)))
			expectField(t, err, tc.field)
			if tc.field != "" {
				return
			}
			if v.Status != StatusPending || v.IsOpen || v.Version != 1 || v.CreatedAt.Location() != time.UTC || v.Email != "wok@example.com" ||
				v.TimeZone != "UTC" || !auth.CheckPassword(v.PasswordHash, "long enough") {
				t.Fatalf("new vendor %+v", v)
			}
		})
	}
}

func TestAddressAndGeocoding(t *testing.T) {
	s := func(v string) *string { return &v }
	v := Vendor{ID: someID}
	if geo, err := v.ApplyProfile(ProfileChange{Address: s("  Via  Roma 1 ")}); err != nil || !geo || v.Address != "Via Roma 1" || v.Location != nil {
		t.Fatalf("address without location: %v %v %+v", geo, err, v)
	}
	if err := v.SetLocationFromGeocoding("Via Roma 2", GeoPoint{1, 2}); err != ErrUnchanged {
		t.Fatalf("answer for another address: %v", err)
	}
	if err := v.SetLocationFromGeocoding("Via Roma 1", GeoPoint{1, 2}); err != nil || v.Location == nil {
		t.Fatalf("answer: %v %+v", err, v)
	}
	if err := v.SetLocationFromGeocoding("Via Roma 1", GeoPoint{3, 4}); err != ErrUnchanged || v.Location.Lat != 1 {
		t.Fatalf("second answer: %v %+v", err, v.Location)
	}
	// The same address again keeps the location and asks nothing.
	if geo, err := v.ApplyProfile(ProfileChange{Address: s("Via Roma 1")}); err != nil || geo || v.Location == nil {
		t.Fatalf("same address: %v %v %+v", geo, err, v)
	}
	if geo, err := v.ApplyProfile(ProfileChange{Address: s("Via Roma 3"), Location: &GeoPoint{5, 6}}); err != nil || geo || v.Location.Lat != 5 {
		t.Fatalf("address with location: %v %v %+v", geo, err, v)
	}
	if _, err := v.ApplyProfile(ProfileChange{Address: s(""), Location: &GeoPoint{5, 6}}); apperr.CodeOf(err) != apperr.InvalidInput {
		t.Fatalf("location without address text: %v", err)
	}
	before := v
	if _, err := v.ApplyProfile(ProfileChange{Name: s("New"), About: s("no")}); err == nil || v.Name != before.Name {
		t.Fatalf("a refused change was half applied: %v %+v", err, v)
	}
}

func TestHours(t *testing.T) {
	r := func(o, c string) RangeText { return RangeText{Opens: o, Closes: c} }
	cases := []struct {
		name  string
		days  []DayHours
		field string
	}{
		{"empty", nil, ""},
		{"whole day", []DayHours{{Day: time.Monday, Ranges: []RangeText{r("00:00", "24:00")}}}, ""},
		{"two ranges", []DayHours{{Day: time.Sunday, Ranges: []RangeText{r("08:00", "12:00"), r("12:00", "14:00")}}}, ""},
		{"24:00 opening", []DayHours{{Day: time.Monday, Ranges: []RangeText{r("24:00", "24:00")}}}, "days[0].ranges[0].opens"},
		{"24:30", []DayHours{{Day: time.Monday, Ranges: []RangeText{r("08:00", "24:30")}}}, "days[0].ranges[0].closes"},
		{"single digit", []DayHours{{Day: time.Monday, Ranges: []RangeText{r("8:00", "12:00")}}}, "days[0].ranges[0].opens"},
		{"empty range", []DayHours{{Day: time.Monday, Ranges: []RangeText{r("08:00", "08:00")}}}, "days[0].ranges[0].closes"},
		{"overlap", []DayHours{{Day: time.Monday, Ranges: []RangeText{r("08:00", "12:00"), r("11:59", "13:00")}}}, "days[0].ranges[1].opens"},
		{"day twice", []DayHours{{Day: time.Monday}, {Day: time.Monday}}, "days[1].day"},
		{"no such day", []DayHours{{Day: 7}}, "days[0].day"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewHours(tc.days)
			expectField(t, err, tc.field)
		})
	}
}

func TestOpenNow(t *testing.T) {
	h, err := NewHours([]DayHours{{Day: time.Monday, Ranges: []RangeText{{"11:30", "15:00"}, {"18:00", "24:00"}}}})
	if err != nil {
		t.Fatal(err)
	}
	v := Vendor{Status: StatusApproved, IsOpen: true, TimeZone: "Europe/Rome", Hours: h}
	// 2026-01-05 is a Monday; Rome is UTC+1 in January.
	at := func(hhmm string) time.Time {
		tm, _ := time.Parse("2006-01-02 15:04", "2026-01-05 "+hhmm)
		return tm.UTC()
	}
	cases := []struct {
		utc  string
		want bool
	}{{"10:29", false}, {"10:30", true}, {"13:59", true}, {"14:00", false}, {"22:59", true}, {"23:00", false}}
	for _, tc := range cases {
		if got := v.OpenNow(at(tc.utc)); got != tc.want {
			t.Errorf("%s UTC: open %v, want %v", tc.utc, got, tc.want)
		}
	}
	v.IsOpen = false
	if v.OpenNow(at("12:00")) {
		t.Error("switched off but open")
	}
	v.IsOpen, v.Status = true, StatusPending
	if v.OpenNow(at("12:00")) {
		t.Error("pending but open")
	}
}

func TestSocialLinks(t *testing.T) {
	cases := []struct{ url, title string }{
		{"https://www.instagram.com/platter", "instagram"},
		{"http://facebook.com/platter", "facebook"},
		{"https://m.facebook.com/x", "facebook"},
		{"https://tiktok.com", "tiktok"},
	}
	for _, tc := range cases {
		l, err := NewSocialLink(tc.url)
		if err != nil || l.Title != tc.title {
			t.Errorf("%s: %v %+v", tc.url, err, l)
		}
	}
	for _, bad := range []string{"", "instagram.com", "ftp://x.com", "javascript:alert(1)", "https://", "https://user:pw@x.com"} {
		_, err := NewSocialLink(bad)
		expectField(t, err, "url")
	}
	var v Vendor
	if _, err := v.AddSocialLink("https://x.com/a"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.AddSocialLink("https://x.com/a"); err != ErrUnchanged || len(v.SocialLinks) != 1 {
		t.Fatalf("duplicate: %v %+v", err, v.SocialLinks)
	}
	if err := v.RemoveSocialLink("https://x.com/b"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("remove unknown: %v", err)
	}
	if err := v.RemoveSocialLink(" https://x.com/a "); err != nil || len(v.SocialLinks) != 0 {
		t.Fatalf("remove: %v %+v", err, v.SocialLinks)
	}
}

func TestStatusAndVisibility(t *testing.T) {
	v := Vendor{ID: someID, Status: StatusPending}
	if err := v.SetOpen(true); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("pending opens: %v", err)
	}
	v.Approve()
	if err := v.SetOpen(true); err != nil {
		t.Fatal(err)
	}
	v.Suspend()
	if v.IsOpen || v.Status != StatusSuspended {
		t.Fatalf("suspended %+v", v)
	}
	admin := auth.Identity{Subject: "a", Roles: []auth.Role{auth.RoleAdmin}}
	self := auth.Identity{Subject: someID, Roles: []auth.Role{auth.RoleVendor}}
	customerWithVendorID := auth.Identity{Subject: someID, Roles: []auth.Role{auth.RoleCustomer}}
	if !CanSee(admin, true, v) || !CanSee(self, true, v) || CanSee(customerWithVendorID, true, v) || CanSee(admin, false, v) {
		t.Fatal("visibility of a suspended vendor")
	}
	if CanSeePrivate(auth.Identity{}, false, Vendor{Status: StatusApproved}) {
		t.Fatal("anonymous sees private fields")
	}
}

func TestListPaging(t *testing.T) {
	var all []Vendor
	for i := range 25 {
		id, _ := NewID()
		all = append(all, Vendor{ID: id, Name: string(rune('a' + i)), Status: StatusApproved, Location: &GeoPoint{Lat: 45 + float64(i)*0.001, Lng: 9}})
	}
	for _, f := range []Filter{{}, {Near: &Near{Point: GeoPoint{45, 9}, RadiusKm: 100}}} {
		seen := map[string]bool{}
		after := ""
		for {
			p, err := List(all, f, 7, after, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range p.Items {
				if seen[it.Vendor.ID] {
					t.Fatalf("%s twice", it.Vendor.Name)
				}
				seen[it.Vendor.ID] = true
			}
			if !p.HasNextPage {
				break
			}
			after = p.Items[len(p.Items)-1].Cursor
		}
		if len(seen) != len(all) {
			t.Fatalf("paged through %d of %d", len(seen), len(all))
		}
	}
}
