package service_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/redisdb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/vendorsvc/service"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

type env struct {
	svc  *service.Service
	url  string
	keys testenv.KeyPair
	bus  *events.MemoryBus
	seen *recorder
}

// recorder keeps every vendor event the relay publishes.
type recorder struct {
	mu  sync.Mutex
	all []events.Envelope
}

func (r *recorder) handle(_ context.Context, e events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, e)
	return nil
}

func (r *recorder) of(typ, subject string) []events.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.Envelope
	for _, e := range r.all {
		if e.Type == typ && e.Subject == subject {
			out = append(out, e)
		}
	}
	return out
}

// open serves the subgraph on a fresh database, started on an in-memory
// bus. The cache is an embedded Redis of its own: the demo vendors have
// fixed ids, so a shared server would hand one test another's entries. The
// cache's own suite runs on the real server.
func open(t testing.TB, redisURL string) env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if redisURL == "" {
		r, err := redisdb.StartEmbedded()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(r.Close)
		redisURL = r.URL()
	}
	keys := testenv.Keys(t)
	uri, db := testenv.Mongo(t)
	cfg := config.Vendor{
		Auth:     keys.Issuer(),
		Mongo:    config.Mongo{URI: uri, Database: db},
		RedisURL: redisURL,
		CacheTTL: time.Minute,
	}
	cfg.AccessTTL, cfg.RefreshTTL = 15*time.Minute, time.Hour
	svc, err := service.Open(ctx, cfg, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	bus := events.NewMemoryBus(logging.Discard(), events.WithRetry(events.Retry{MaxAttempts: 5, InitialBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}))
	seen := &recorder{}
	if err := bus.Subscribe(ctx, "recorder", seen.handle, "vendor.#"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx, bus); err != nil {
		t.Fatal(err)
	}
	url := testenv.Serve(t, svc) // closes svc when the test ends
	t.Cleanup(func() { _ = bus.Close() })
	t.Cleanup(cancel) // runs first: the relay stops before Close waits for it
	return env{svc: svc, url: url, keys: keys, bus: bus, seen: seen}
}

func (e env) client(roles ...auth.Role) gqltest.Client {
	return e.as("caller-1", roles...)
}

func (e env) as(subject string, roles ...auth.Role) gqltest.Client {
	c := gqltest.Client{URL: e.url + "/graphql"}
	if len(roles) > 0 {
		c.Token = e.keys.Token(subject, roles...)
	}
	return c
}

func (e env) admin() gqltest.Client { return e.client(auth.RoleCustomer, auth.RoleAdmin) }

func seeded(t testing.TB) env {
	t.Helper()
	e := open(t, "")
	if err := service.Seed(context.Background(), e.svc, logging.Discard()); err != nil {
		t.Fatal(err)
	}
	return e
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type vendorData struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	About       string `json:"about"`
	Email       *string
	Phone       *string
	Address     *string
	Location    *struct{ Lat, Lng float64 }
	TimeZone    string
	Logo        *struct{ ID string }
	Gallery     []struct{ ID string }
	Team        []struct{ ID, Name, Role string }
	SocialLinks []struct {
		Title, URL string
	}
	OpeningHours []struct {
		Day    string
		Ranges []struct{ Opens, Closes string }
	}
	Status    string `json:"status"`
	IsOpen    bool   `json:"isOpen"`
	OpenNow   bool   `json:"openNow"`
	CreatedAt string `json:"createdAt"`
}

const vendorFields = `id name about email phone address location { lat lng } timeZone logo { id } gallery { id }
	team { id name role } socialLinks { title url } openingHours { day ranges { opens closes } } status isOpen openNow createdAt`

const vendorQuery = `query($id: ID!) { vendor(id: $id) { ` + vendorFields + ` } }`

func queryVendor(t *testing.T, c gqltest.Client, id string) *vendorData {
	t.Helper()
	var out struct{ Vendor *vendorData }
	c.MustData(t, vendorQuery, map[string]any{"id": id}, &out)
	return out.Vendor
}

type session struct {
	AccessToken  string
	RefreshToken string
	Vendor       vendorData
}

const sessionFields = `accessToken refreshToken vendor { ` + vendorFields + ` }`

func apply(t *testing.T, e env, input map[string]any) session {
	t.Helper()
	base := map[string]any{"name": "Pasta Nuova", "about": "Fresh pasta every day.", "email": "Owner@Pasta.test", "password": "long enough"}
	for k, v := range input {
		base[k] = v
	}
	var out struct{ ApplyAsVendor session }
	e.client().MustData(t, `mutation($in: ApplyAsVendorInput!) { applyAsVendor(input: $in) { `+sessionFields+` } }`, map[string]any{"in": base}, &out)
	return out.ApplyAsVendor
}

func (e env) withToken(token string) gqltest.Client {
	return gqltest.Client{URL: e.url + "/graphql", Token: token}
}

func TestVendorQuery(t *testing.T) {
	e := seeded(t)
	unknown, _ := vendorprofile.NewID()

	got := queryVendor(t, e.client(), demo.VendorID)
	if got == nil || got.Name != "Trattoria Platter" || got.Status != "APPROVED" || !got.IsOpen || got.TimeZone != "Europe/Rome" {
		t.Fatalf("approved vendor: %+v", got)
	}
	if got.Email != nil {
		t.Fatalf("anonymous caller sees the email %q", *got.Email)
	}
	if got.Logo == nil || got.Logo.ID != demo.LogoAssetID(demo.VendorID) || len(got.OpeningHours) != 7 || got.OpeningHours[0].Day != "MONDAY" ||
		len(got.OpeningHours[0].Ranges) != 2 || got.OpeningHours[0].Ranges[0].Opens != "11:30" || got.Location == nil || got.Location.Lat != 45.4641 {
		t.Fatalf("demo profile: %+v", got)
	}
	if _, err := time.Parse(time.RFC3339, got.CreatedAt); err != nil || !strings.HasSuffix(got.CreatedAt, "Z") {
		t.Fatalf("createdAt %q is not RFC 3339 UTC", got.CreatedAt)
	}
	if got := queryVendor(t, e.client(), demo.GreenBowlID); got == nil || got.IsOpen || got.OpenNow {
		t.Fatalf("closed approved vendor: %+v", got)
	}
	if got := queryVendor(t, e.client(), unknown); got != nil {
		t.Fatalf("unknown vendor: %+v", got)
	}
	for name, c := range map[string]gqltest.Client{
		"anonymous":    e.client(),
		"customer":     e.client(auth.RoleCustomer),
		"other vendor": e.as(demo.VendorID, auth.RoleVendor),
	} {
		if got := queryVendor(t, c, service.DemoApplicant.ID); got != nil {
			t.Fatalf("%s sees a pending vendor: %+v", name, got)
		}
	}
	if got := queryVendor(t, e.admin(), service.DemoApplicant.ID); got == nil || got.Status != "PENDING" || got.Email == nil {
		t.Fatalf("admin: %+v", got)
	}
	if got := queryVendor(t, e.as(service.DemoApplicant.ID, auth.RoleVendor), service.DemoApplicant.ID); got == nil || got.Email == nil || *got.Email != service.DemoApplicant.Email {
		t.Fatalf("the applicant itself: %+v", got)
	}
}

// The account flow: apply (pending, hidden, signed in), approval, sign in,
// refresh with rotation and reuse detection, sign out, suspension.
func TestAccountFlow(t *testing.T) {
	e := open(t, "")
	s := apply(t, e, map[string]any{"address": "Via Dante 1, Milano", "location": map[string]any{"lat": 45.46, "lng": 9.18}, "timeZone": "Europe/Rome"})
	id := s.Vendor.ID
	if s.Vendor.Status != "PENDING" || s.Vendor.Email == nil || *s.Vendor.Email != "owner@pasta.test" || s.AccessToken == "" {
		t.Fatalf("applied: %+v", s)
	}
	if got := queryVendor(t, e.client(), id); got != nil {
		t.Fatal("a pending vendor is public")
	}
	var mine struct{ MyVendor vendorData }
	e.withToken(s.AccessToken).MustData(t, `{ myVendor { id status } }`, nil, &mine)
	if mine.MyVendor.ID != id {
		t.Fatalf("myVendor: %+v", mine)
	}
	// A pending vendor edits its profile.
	var upd struct{ UpdateVendorProfile vendorData }
	e.withToken(s.AccessToken).MustData(t, `mutation { updateVendorProfile(input: {about: "Pasta, made by hand."}) { about } }`, nil, &upd)
	if upd.UpdateVendorProfile.About != "Pasta, made by hand." {
		t.Fatalf("update: %+v", upd)
	}

	// The same email in another case is taken.
	r := e.client().Do(t, `mutation { applyAsVendor(input: {name: "Copy", about: "Copycat.", email: " OWNER@pasta.TEST", password: "long enough"}) { accessToken } }`, nil)
	r.ExpectCode(t, "CONFLICT", "email")
	r = e.client().Do(t, `mutation { applyAsVendor(input: {name: "Short", about: "Short password.", email: "short@pasta.test", password: "short"}) { accessToken } }`, nil)
	r.ExpectCode(t, "INVALID_INPUT", "password")

	const approve = `mutation($id: ID!) { approveVendor(id: $id) { status } }`
	e.as(id, auth.RoleVendor).Do(t, approve, map[string]any{"id": id}).ExpectCode(t, "FORBIDDEN", "")
	e.client().Do(t, approve, map[string]any{"id": id}).ExpectCode(t, "UNAUTHENTICATED", "")
	var appr struct{ ApproveVendor vendorData }
	e.admin().MustData(t, approve, map[string]any{"id": id}, &appr)
	if appr.ApproveVendor.Status != "APPROVED" || queryVendor(t, e.client(), id) == nil {
		t.Fatalf("approved: %+v", appr)
	}

	const signIn = `mutation($e: String!, $p: String!) { signInVendor(email: $e, password: $p) { ` + sessionFields + ` } }`
	e.client().Do(t, signIn, map[string]any{"e": "owner@pasta.test", "p": "wrong password"}).ExpectCode(t, "UNAUTHENTICATED", "")
	var in struct{ SignInVendor session }
	e.client().MustData(t, signIn, map[string]any{"e": "OWNER@pasta.test", "p": "long enough"}, &in)
	if in.SignInVendor.Vendor.ID != id {
		t.Fatalf("signed in as %+v", in.SignInVendor.Vendor)
	}

	const refresh = `mutation($t: String!) { refreshVendorSession(refreshToken: $t) { accessToken refreshToken } }`
	var ref struct{ RefreshVendorSession session }
	e.client().MustData(t, refresh, map[string]any{"t": in.SignInVendor.RefreshToken}, &ref)
	// Reusing the rotated token revokes the family, the new token included.
	e.client().Do(t, refresh, map[string]any{"t": in.SignInVendor.RefreshToken}).ExpectCode(t, "UNAUTHENTICATED", "")
	e.client().Do(t, refresh, map[string]any{"t": ref.RefreshVendorSession.RefreshToken}).ExpectCode(t, "UNAUTHENTICATED", "")

	var out struct{ SignOutVendor bool }
	e.withToken(s.AccessToken).MustData(t, `mutation { signOutVendor }`, nil, &out)
	e.client().Do(t, refresh, map[string]any{"t": s.RefreshToken}).ExpectCode(t, "UNAUTHENTICATED", "")

	var again struct{ SignInVendor session }
	e.client().MustData(t, signIn, map[string]any{"e": "owner@pasta.test", "p": "long enough"}, &again)
	var susp struct{ SuspendVendor vendorData }
	e.admin().MustData(t, `mutation($id: ID!) { suspendVendor(id: $id) { status isOpen } }`, map[string]any{"id": id}, &susp)
	if susp.SuspendVendor.Status != "SUSPENDED" {
		t.Fatalf("suspend: %+v", susp)
	}
	r = e.client().Do(t, signIn, map[string]any{"e": "owner@pasta.test", "p": "long enough"})
	r.ExpectCode(t, "FORBIDDEN", "")
	if !strings.Contains(r.Errors[0].Message, "suspended") {
		t.Fatalf("suspended sign-in message: %q", r.Errors[0].Message)
	}
	e.client().Do(t, refresh, map[string]any{"t": again.SignInVendor.RefreshToken}).ExpectCode(t, "UNAUTHENTICATED", "")
	e.withToken(s.AccessToken).Do(t, `mutation { setVendorOpen(open: false) { isOpen } }`, nil).ExpectCode(t, "FORBIDDEN", "")
	if got := queryVendor(t, e.client(), id); got != nil {
		t.Fatal("a suspended vendor is public")
	}
	var list struct {
		Vendors struct{ Edges []struct{ Node vendorData } }
	}
	e.client().MustData(t, `{ vendors(first: 100) { edges { node { id } } } }`, nil, &list)
	for _, ed := range list.Vendors.Edges {
		if ed.Node.ID == id {
			t.Fatal("a suspended vendor is listed")
		}
	}
	e.admin().MustData(t, `{ vendors(first: 100) { edges { node { id } } } }`, nil, &list)
	if len(list.Vendors.Edges) != 1 {
		t.Fatalf("admin listing: %+v", list)
	}
}

func TestOwnerEditsAndValidation(t *testing.T) {
	e := seeded(t)
	owner := e.as(demo.GreenBowlID, auth.RoleVendor)
	asset := "0190c6b2-1c6a-7c55-9d5e-3f1a2b3c4d99"

	var v struct{ AddSocialLink vendorData }
	owner.MustData(t, `mutation { addSocialLink(url: "https://www.instagram.com/greenbowl") { socialLinks { title url } } }`, nil, &v)
	if l := v.AddSocialLink.SocialLinks; len(l) != 1 || l[0].Title != "instagram" {
		t.Fatalf("social links %+v", l)
	}
	var g struct{ AddGalleryImage vendorData }
	owner.MustData(t, `mutation($a: ID!) { addGalleryImage(assetId: $a) { gallery { id } } }`, map[string]any{"a": asset}, &g)
	owner.MustData(t, `mutation($a: ID!) { addGalleryImage(assetId: $a) { gallery { id } } }`, map[string]any{"a": asset}, &g)
	if len(g.AddGalleryImage.Gallery) != 1 {
		t.Fatalf("gallery %+v", g)
	}
	var tm struct{ AddTeamMember vendorData }
	owner.MustData(t, `mutation { addTeamMember(input: {name: "Ada", role: "Head chef"}) { team { id name role } } }`, nil, &tm)
	if len(tm.AddTeamMember.Team) != 1 {
		t.Fatalf("team %+v", tm)
	}
	var rm struct{ RemoveTeamMember vendorData }
	owner.MustData(t, `mutation($id: ID!) { removeTeamMember(id: $id) { team { id } } }`, map[string]any{"id": tm.AddTeamMember.Team[0].ID}, &rm)
	if len(rm.RemoveTeamMember.Team) != 0 {
		t.Fatalf("team after removal %+v", rm)
	}
	var h struct{ SetOpeningHours vendorData }
	owner.MustData(t, `mutation { setOpeningHours(days: [{day: SUNDAY, ranges: [{opens: "08:00", closes: "12:00"}, {opens: "18:00", closes: "24:00"}]}]) { openingHours { day ranges { opens closes } } } }`, nil, &h)
	if d := h.SetOpeningHours.OpeningHours; len(d) != 1 || d[0].Day != "SUNDAY" || d[0].Ranges[1].Closes != "24:00" {
		t.Fatalf("hours %+v", d)
	}

	bad := []struct{ name, query, field string }{
		{"short about", `mutation { updateVendorProfile(input: {about: "ab"}) { id } }`, "about"},
		{"empty name", `mutation { updateVendorProfile(input: {name: "  "}) { id } }`, "name"},
		{"bad time zone", `mutation { updateVendorProfile(input: {timeZone: "Mars/Olympus"}) { id } }`, "timeZone"},
		{"bad email", `mutation { updateVendorProfile(input: {email: "not-an-email"}) { id } }`, "email"},
		{"bad phone", `mutation { updateVendorProfile(input: {phone: "call me"}) { id } }`, "phone"},
		{"location without address", `mutation { updateVendorProfile(input: {location: {lat: 1, lng: 2}}) { id } }`, "location"},
		{"latitude off the globe", `mutation { updateVendorProfile(input: {address: "x", location: {lat: 91, lng: 2}}) { id } }`, "location.lat"},
		{"bad logo", `mutation { updateVendorProfile(input: {logoAssetId: "logo.png"}) { id } }`, "logoAssetId"},
		{"ranges out of order", `mutation { setOpeningHours(days: [{day: MONDAY, ranges: [{opens: "18:00", closes: "22:00"}, {opens: "08:00", closes: "12:00"}]}]) { id } }`, "days[0].ranges[1].opens"},
		{"overlapping ranges", `mutation { setOpeningHours(days: [{day: MONDAY, ranges: [{opens: "08:00", closes: "12:00"}, {opens: "11:00", closes: "13:00"}]}]) { id } }`, "days[0].ranges[1].opens"},
		{"closes before opens", `mutation { setOpeningHours(days: [{day: MONDAY, ranges: [{opens: "12:00", closes: "08:00"}]}]) { id } }`, "days[0].ranges[0].closes"},
		{"not a time", `mutation { setOpeningHours(days: [{day: MONDAY, ranges: [{opens: "25:00", closes: "26:00"}]}]) { id } }`, "days[0].ranges[0].opens"},
		{"a day twice", `mutation { setOpeningHours(days: [{day: MONDAY, ranges: []}, {day: MONDAY, ranges: []}]) { id } }`, "days[1].day"},
		{"javascript link", `mutation { addSocialLink(url: "javascript:alert(1)") { id } }`, "url"},
		{"bad gallery asset", `mutation { addGalleryImage(assetId: "../x") { id } }`, "assetId"},
		{"empty team role", `mutation { addTeamMember(input: {name: "Bo", role: ""}) { id } }`, "role"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := owner.Do(t, tc.query, nil)
			r.ExpectCode(t, "INVALID_INPUT", tc.field)
		})
	}
	if got := queryVendor(t, e.client(), demo.GreenBowlID); got.About != "Salads and grain bowls with seasonal vegetables." || got.Email != nil {
		t.Fatalf("a refused edit changed the vendor: %+v", got)
	}
	owner.Do(t, `mutation { updateVendorProfile(input: {email: "VENDOR@platter.local"}) { id } }`, nil).ExpectCode(t, "CONFLICT", "email")
	e.as(demo.GreenBowlID, auth.RoleVendor).Do(t, `mutation { removeGalleryImage(assetId: "0190c6b2-1c6a-7c55-9d5e-3f1a2b3c4d00") { id } }`, nil).ExpectCode(t, "NOT_FOUND", "")

	// Only a vendor edits, and only itself: the id comes from the token.
	e.client().Do(t, `mutation { setVendorOpen(open: true) { id } }`, nil).ExpectCode(t, "UNAUTHENTICATED", "")
	e.client(auth.RoleCustomer).Do(t, `mutation { setVendorOpen(open: true) { id } }`, nil).ExpectCode(t, "FORBIDDEN", "")
	e.client(auth.RoleAdmin).Do(t, `mutation { updateVendorProfile(input: {name: "Hijack"}) { id } }`, nil).ExpectCode(t, "FORBIDDEN", "")
	r := owner.Do(t, `mutation { updateVendorProfile(input: {status: APPROVED}) { id } }`, nil)
	if len(r.Errors) == 0 || r.Status >= 500 {
		t.Fatalf("status through input: %d %+v", r.Status, r.Errors)
	}
	e.as(service.DemoApplicant.ID, auth.RoleVendor).Do(t, `mutation { setVendorOpen(open: true) { id } }`, nil).ExpectCode(t, "CONFLICT", "")
}
