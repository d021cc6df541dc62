package service_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/customer/service"
)

type harness struct {
	url  string
	keys testenv.KeyPair
	svc  *service.Service
	// bus carries the events the service publishes and consumes.
	bus *events.MemoryBus
	// published are the customer events the service published.
	published *recorder
}

// newHarness opens the service on a fresh database and starts it on an
// in-memory bus.
func newHarness(t *testing.T, adminEmail, adminPassword string) harness {
	t.Helper()
	uri, db := testenv.Mongo(t)
	keys := testenv.Keys(t)
	cfg := config.Customer{
		Auth:          keys.Issuer(),
		Mongo:         config.Mongo{URI: uri, Database: db},
		AdminEmail:    adminEmail,
		AdminPassword: adminPassword,
	}
	svc, err := service.Open(context.Background(), cfg, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	url := testenv.Serve(t, svc) + "/graphql"
	// Registered after Serve's Close, so it runs before it: Close waits for
	// what Start runs, which stops with ctx.
	bus := events.NewMemoryBus(logging.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); bus.Close() })
	rec := &recorder{}
	if err := bus.Subscribe(ctx, "observer", rec.handle, "customer.#"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx, bus); err != nil {
		t.Fatal(err)
	}
	return harness{url: url, keys: keys, svc: svc, bus: bus, published: rec}
}

// recorder keeps the events delivered to it.
type recorder struct {
	mu  sync.Mutex
	got []events.Envelope
}

func (r *recorder) handle(_ context.Context, e events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, e)
	return nil
}

// of returns the events of type typ about subject received so far.
func (r *recorder) of(typ, subject string) []events.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.Envelope
	for _, e := range r.got {
		if e.Type == typ && e.Subject == subject {
			out = append(out, e)
		}
	}
	return out
}

// any reports whether an event satisfying match arrived.
func (r *recorder) any(match func(events.Envelope) bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.ContainsFunc(r.got, match)
}

// waitFor waits until n events of type typ about subject arrived and
// returns them.
func (r *recorder) waitFor(t *testing.T, typ, subject string, n int) []events.Envelope {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := r.of(typ, subject)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d %s events about %s arrived, want %d", len(got), typ, subject, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const signUp = `mutation($in: SignUpCustomerInput!) {
  signUpCustomer(input: $in) { accessToken refreshToken customer { id name email roles } }
}`

type session struct {
	AccessToken  string
	RefreshToken string
	Customer     struct {
		ID    string
		Name  string
		Email *string
		Roles []string
	}
}

func (h harness) signUp(t *testing.T, name, email, password string) session {
	t.Helper()
	var out struct{ SignUpCustomer session }
	gqltest.Client{URL: h.url}.MustData(t, signUp, map[string]any{"in": map[string]any{"name": name, "email": email, "password": password}}, &out)
	return out.SignUpCustomer
}

func TestSignUpBadInputStoresNothing(t *testing.T) {
	h := newHarness(t, "", "")
	c := gqltest.Client{URL: h.url}
	cases := []struct{ name, email, password, field string }{
		{"", "a@example.com", "password1", "name"},
		{"Ada", "not-an-email", "password1", "email"},
		{"Ada", "a@example.com", "short", "password"},
	}
	for _, tc := range cases {
		r := c.Do(t, signUp, map[string]any{"in": map[string]any{"name": tc.name, "email": tc.email, "password": tc.password}})
		r.ExpectCode(t, "INVALID_INPUT", tc.field)
	}
	// Nothing was stored: the well-formed sign-up with the same email works.
	h.signUp(t, "Ada", "a@example.com", "password1")
}

func TestSignUpCannotGrantRoles(t *testing.T) {
	h := newHarness(t, "", "")
	r := gqltest.Client{URL: h.url}.Do(t, `mutation { signUpCustomer(input: {name: "Eve", email: "eve@example.com", password: "password1", roles: [ADMIN]}) { accessToken } }`, nil)
	if len(r.Errors) == 0 || r.Status >= 500 {
		t.Fatalf("unknown input field accepted: %+v", r)
	}
	s := h.signUp(t, "Eve", "eve@example.com", "password1")
	if len(s.Customer.Roles) != 1 || s.Customer.Roles[0] != "CUSTOMER" {
		t.Fatalf("roles %v", s.Customer.Roles)
	}
}

func TestDuplicateEmailAndSignIn(t *testing.T) {
	h := newHarness(t, "", "")
	c := gqltest.Client{URL: h.url}
	h.signUp(t, "Ada", "ada@example.com", "password1")
	r := c.Do(t, signUp, map[string]any{"in": map[string]any{"name": "Ada2", "email": "ADA@example.com ", "password": "password2"}})
	r.ExpectCode(t, "CONFLICT", "email")

	const signIn = `mutation($e: String!, $p: String!) { signInCustomer(email: $e, password: $p) { accessToken customer { email } } }`
	wrongPassword := c.Do(t, signIn, map[string]any{"e": "ada@example.com", "p": "password9"})
	wrongPassword.ExpectCode(t, "UNAUTHENTICATED", "")
	unknown := c.Do(t, signIn, map[string]any{"e": "nobody@example.com", "p": "password9"})
	unknown.ExpectCode(t, "UNAUTHENTICATED", "")
	if wrongPassword.Errors[0].Message != unknown.Errors[0].Message {
		t.Fatalf("wrong password and unknown email differ: %q vs %q", wrongPassword.Errors[0].Message, unknown.Errors[0].Message)
	}
	var ok struct{ SignInCustomer struct{ AccessToken string } }
	c.MustData(t, signIn, map[string]any{"e": " Ada@Example.com", "p": "password1"}, &ok)
	if ok.SignInCustomer.AccessToken == "" {
		t.Fatal("no access token")
	}
}

func TestMeNeedsAValidToken(t *testing.T) {
	h := newHarness(t, "", "")
	s := h.signUp(t, "Ada", "ada@example.com", "password1")
	var out struct{ Me struct{ ID, Email string } }
	gqltest.Client{URL: h.url, Token: s.AccessToken}.MustData(t, `{ me { id email } }`, nil, &out)
	if out.Me.ID != s.Customer.ID || out.Me.Email != "ada@example.com" {
		t.Fatalf("me = %+v", out.Me)
	}
	forged := testenv.Keys(t).Token(s.Customer.ID, auth.RoleCustomer)
	expired := h.keys.TokenFor(auth.Identity{Subject: s.Customer.ID, Roles: []auth.Role{auth.RoleCustomer}}, time.Now().Add(-time.Hour))
	for name, token := range map[string]string{"none": "", "garbage": "abc", "forged": forged, "expired": expired} {
		t.Run(name, func(t *testing.T) {
			gqltest.Client{URL: h.url, Token: token}.Do(t, `{ me { id } }`, nil).ExpectCode(t, "UNAUTHENTICATED", "")
		})
	}
}

func TestEntitiesHideEmailFromOthers(t *testing.T) {
	h := newHarness(t, "admin@example.com", "admin-password")
	ada := h.signUp(t, "Ada", "ada@example.com", "password1")
	bob := h.signUp(t, "Bob", "bob@example.com", "password1")
	const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name email } } }`
	reps := map[string]any{"r": []map[string]any{
		{"__typename": "Customer", "id": ada.Customer.ID},
		{"__typename": "Customer", "id": "unknown"},
	}}
	var asBob struct {
		Entities []*struct {
			ID, Name string
			Email    *string
		} `json:"_entities"`
	}
	gqltest.Client{URL: h.url, Token: bob.AccessToken}.MustData(t, q, reps, &asBob)
	if len(asBob.Entities) != 2 || asBob.Entities[0].Name != "Ada" || asBob.Entities[0].Email != nil || asBob.Entities[1] != nil {
		t.Fatalf("as another customer: %+v", asBob.Entities)
	}
	var asAda = asBob
	gqltest.Client{URL: h.url, Token: ada.AccessToken}.MustData(t, q, reps, &asAda)
	if asAda.Entities[0].Email == nil || *asAda.Entities[0].Email != "ada@example.com" {
		t.Fatalf("as the customer: %+v", asAda.Entities[0])
	}
}

func TestAdminFromConfiguration(t *testing.T) {
	h := newHarness(t, "admin@example.com", "admin-password")
	ada := h.signUp(t, "Ada", "ada@example.com", "password1")
	const q = `query($id: ID!) { customer(id: $id) { name email } }`
	gqltest.Client{URL: h.url, Token: ada.AccessToken}.Do(t, q, map[string]any{"id": ada.Customer.ID}).ExpectCode(t, "FORBIDDEN", "")

	var in struct{ SignInCustomer struct{ AccessToken string } }
	gqltest.Client{URL: h.url}.MustData(t, `mutation { signInCustomer(email: "admin@example.com", password: "admin-password") { accessToken } }`, nil, &in)
	var out struct{ Customer struct{ Name, Email string } }
	gqltest.Client{URL: h.url, Token: in.SignInCustomer.AccessToken}.MustData(t, q, map[string]any{"id": ada.Customer.ID}, &out)
	if out.Customer.Email != "ada@example.com" {
		t.Fatalf("admin read %+v", out.Customer)
	}
}

func TestServiceSDLAndSyntaxErrors(t *testing.T) {
	h := newHarness(t, "", "")
	var out struct {
		Service struct{ SDL string } `json:"_service"`
	}
	gqltest.Client{URL: h.url}.MustData(t, `{ _service { sdl } }`, nil, &out)
	if !strings.Contains(out.Service.SDL, `type Customer @key(fields: "id")`) {
		t.Fatalf("sdl lacks the Customer entity: %s", out.Service.SDL)
	}
	for _, q := range []string{`{ me { id `, `{ nosuchfield }`} {
		r := gqltest.Client{URL: h.url}.Do(t, q, nil)
		if len(r.Errors) == 0 || r.Status >= 500 {
			t.Fatalf("%q: status %d errors %+v", q, r.Status, r.Errors)
		}
	}
}
