package dev_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/stack/dev"
)

// startStack runs the whole dev stack in-process on free ports, with its
// data in a fresh directory, until the test ends.
func startStack(t testing.TB, dataDir string) (*dev.Stack, *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	s, err := dev.Start(ctx, dev.Options{
		DataDir: dataDir, RouterAddr: "127.0.0.1:0", FreePorts: true,
		Log: logging.Discard(), Out: &out,
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.Serve(ctx); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	return s, &out
}

type sessionOut struct {
	AccessToken  string
	RefreshToken string
	Customer     struct{ ID, Name, Email string }
}

const sessionFields = `accessToken refreshToken customer { id name email }`

func TestCustomerAccountLifecycleThroughTheRouter(t *testing.T) {
	s, _ := startStack(t, t.TempDir())
	anon := gqltest.Client{URL: s.RouterURL + "/graphql"}

	var up struct{ SignUpCustomer sessionOut }
	anon.MustData(t, `mutation($in: SignUpCustomerInput!) { signUpCustomer(input: $in) { `+sessionFields+` } }`,
		map[string]any{"in": map[string]any{"name": "Ada Lovelace", "email": "ada@example.com", "password": "analytical"}}, &up)
	if up.SignUpCustomer.Customer.Email != "ada@example.com" || up.SignUpCustomer.AccessToken == "" {
		t.Fatalf("sign up: %+v", up.SignUpCustomer)
	}

	var in struct{ SignInCustomer sessionOut }
	anon.MustData(t, `mutation { signInCustomer(email: "ada@example.com", password: "analytical") { `+sessionFields+` } }`, nil, &in)
	first := in.SignInCustomer

	var me struct {
		Me struct{ ID, Name, Email string }
	}
	gqltest.Client{URL: anon.URL, Token: first.AccessToken}.MustData(t, `{ me { id name email } }`, nil, &me)
	if me.Me.ID != up.SignUpCustomer.Customer.ID || me.Me.Name != "Ada Lovelace" {
		t.Fatalf("me: %+v", me.Me)
	}

	const refresh = `mutation($t: String!) { refreshCustomerSession(refreshToken: $t) { ` + sessionFields + ` } }`
	var r1 struct{ RefreshCustomerSession sessionOut }
	anon.MustData(t, refresh, map[string]any{"t": first.RefreshToken}, &r1)
	second := r1.RefreshCustomerSession
	if second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
		t.Fatal("refresh did not rotate the tokens")
	}
	// Reusing the rotated token is refused and revokes the family, so the
	// newer token is refused as well.
	anon.Do(t, refresh, map[string]any{"t": first.RefreshToken}).ExpectCode(t, "UNAUTHENTICATED", "")
	anon.Do(t, refresh, map[string]any{"t": second.RefreshToken}).ExpectCode(t, "UNAUTHENTICATED", "")

	// A new sign-in starts a new family; signing out revokes it.
	anon.MustData(t, `mutation { signInCustomer(email: "ada@example.com", password: "analytical") { `+sessionFields+` } }`, nil, &in)
	third := in.SignInCustomer
	var outResp struct{ SignOutCustomer bool }
	gqltest.Client{URL: anon.URL, Token: third.AccessToken}.MustData(t, `mutation { signOutCustomer }`, nil, &outResp)
	if !outResp.SignOutCustomer {
		t.Fatal("sign out answered false")
	}
	anon.Do(t, refresh, map[string]any{"t": third.RefreshToken}).ExpectCode(t, "UNAUTHENTICATED", "")
}

func TestErrorsThroughTheRouter(t *testing.T) {
	s, _ := startStack(t, t.TempDir())
	anon := gqltest.Client{URL: s.RouterURL + "/graphql"}
	anon.Do(t, `mutation { signUpCustomer(input: {name: "", email: "x@example.com", password: "long enough"}) { accessToken } }`, nil).
		ExpectCode(t, "INVALID_INPUT", "name")
	anon.Do(t, `{ me { id } }`, nil).ExpectCode(t, "UNAUTHENTICATED", "")
	gqltest.Client{URL: anon.URL, Token: "not.a.token"}.Do(t, `{ me { id } }`, nil).ExpectCode(t, "UNAUTHENTICATED", "")
	for _, q := range []string{`{ me { id `, `{ nosuchfield }`, `{ me { nosuchfield } }`} {
		r := anon.Do(t, q, nil)
		if len(r.Errors) == 0 || r.Status >= 500 {
			t.Fatalf("%q: status %d errors %+v", q, r.Status, r.Errors)
		}
	}
}

func TestDevDataSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := dev.Start(ctx, dev.Options{DataDir: dir, RouterAddr: "127.0.0.1:0", FreePorts: true, Log: logging.Discard(), Out: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	anon := gqltest.Client{URL: s.RouterURL + "/graphql"}
	anon.MustData(t, `mutation { signUpCustomer(input: {name: "Kept", email: "kept@example.com", password: "long enough"}) { accessToken } }`, nil, nil)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the stack did not stop")
	}

	s2, out := startStack(t, dir)
	var in struct{ SignInCustomer sessionOut }
	gqltest.Client{URL: s2.RouterURL + "/graphql"}.MustData(t, `mutation { signInCustomer(email: "kept@example.com", password: "long enough") { `+sessionFields+` } }`, nil, &in)
	if in.SignInCustomer.Customer.Name != "Kept" {
		t.Fatalf("after restart: %+v", in.SignInCustomer)
	}
	// The demo accounts are printed on every start but created only once.
	if !strings.Contains(out.String(), dev.AdminEmail) {
		t.Fatalf("start-up output lacks the admin sign-in: %s", out.String())
	}
}

func TestPlaygroundAndDemoSignIn(t *testing.T) {
	s, _ := startStack(t, t.TempDir())
	req, _ := http.NewRequest(http.MethodGet, s.RouterURL+"/", nil)
	req.Header.Set("Accept", "text/html") // as a browser asks
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(strings.ToLower(string(body)), "<html") {
		t.Fatalf("playground: status %d", resp.StatusCode)
	}
	var in struct{ SignInCustomer struct{ AccessToken string } }
	gqltest.Client{URL: s.RouterURL + "/graphql"}.MustData(t, `mutation($e: String!, $p: String!) { signInCustomer(email: $e, password: $p) { accessToken } }`,
		map[string]any{"e": dev.AdminEmail, "p": dev.DemoPassword}, &in)
	var me struct{ Me struct{ Roles []string } }
	gqltest.Client{URL: s.RouterURL + "/graphql", Token: in.SignInCustomer.AccessToken}.MustData(t, `{ me { roles } }`, nil, &me)
	if strings.Join(me.Me.Roles, ",") != "CUSTOMER,ADMIN" {
		t.Fatalf("demo admin roles: %v", me.Me.Roles)
	}
}

func signIn(t testing.TB, url, email, password string) string {
	t.Helper()
	var in struct{ SignInCustomer struct{ AccessToken string } }
	gqltest.Client{URL: url}.MustData(t, `mutation($e: String!, $p: String!) { signInCustomer(email: $e, password: $p) { accessToken } }`,
		map[string]any{"e": email, "p": password}, &in)
	return in.SignInCustomer.AccessToken
}

// An order (shopping) joined with its customer (customer) and its vendor
// (vendor) in one query: the router plans across three subgraphs, and
// ownership holds on each side.
func TestFederatedOrderWithCustomerAndVendor(t *testing.T) {
	s, _ := startStack(t, t.TempDir())
	url := s.RouterURL + "/graphql"
	const q = `query($id: ID!) { order(id: $id) { number status customer { id name email } vendor { id name isOpen } } }`
	vars := map[string]any{"id": demo.PlacedOrderID}

	var own struct {
		Order *struct {
			Number, Status string
			Customer       struct{ ID, Name, Email string }
			Vendor         struct {
				ID, Name string
				IsOpen   bool
			}
		}
	}
	gqltest.Client{URL: url, Token: signIn(t, url, dev.CustomerEmail, dev.DemoPassword)}.MustData(t, q, vars, &own)
	if own.Order == nil || own.Order.Customer.ID != demo.CustomerID || own.Order.Customer.Name != "Demo Customer" ||
		own.Order.Customer.Email != dev.CustomerEmail || own.Order.Status != "PLACED" || own.Order.Number == "" {
		t.Fatalf("own order: %+v", own.Order)
	}
	if own.Order.Vendor.ID != demo.VendorID || own.Order.Vendor.Name == "" {
		t.Fatalf("order's vendor: %+v", own.Order.Vendor)
	}

	gqltest.Client{URL: url}.MustData(t, `mutation { signUpCustomer(input: {name: "Mallory", email: "m@example.com", password: "long enough"}) { accessToken } }`, nil, nil)
	var other struct{ Order *struct{ Number string } }
	gqltest.Client{URL: url, Token: signIn(t, url, "m@example.com", "long enough")}.MustData(t, q, vars, &other)
	if other.Order != nil {
		t.Fatalf("another customer read the order: %+v", other.Order)
	}
}

// The demo customer starts with the seeded address and a cart of dishes
// from two vendors, read back with titles, prices and vendor names from
// three subgraphs in one query.
func TestDemoCustomerAddressAndCart(t *testing.T) {
	s, _ := startStack(t, t.TempDir())
	url := s.RouterURL + "/graphql"
	c := gqltest.Client{URL: url, Token: signIn(t, url, dev.CustomerEmail, dev.DemoPassword)}
	var me struct {
		Me struct {
			DefaultAddress *struct {
				Label    string
				Location *struct{ Lat, Lng float64 }
			}
			Cart cartData
		}
	}
	c.MustData(t, `{ me { defaultAddress { label location { lat lng } } cart { `+cartFields+` } } }`, nil, &me)
	if a := me.Me.DefaultAddress; a == nil || a.Label != "Home" || a.Location == nil || a.Location.Lat != 45.4619 {
		t.Fatalf("demo address: %+v", a)
	}
	vendors := map[string]bool{}
	for _, it := range me.Me.Cart.Items {
		if it.Product.Title == "" || it.Product.FinalPrice.Amount <= 0 || it.Status != "AVAILABLE" {
			t.Fatalf("demo cart line: %+v", it)
		}
		vendors[it.Product.Vendor.Name] = true
	}
	if len(vendors) != 2 || me.Me.Cart.ItemCount != 3 {
		t.Fatalf("demo cart: %+v, want 3 dishes from two vendors", me.Me.Cart)
	}
}

type cartData struct {
	ItemCount int
	Items     []struct {
		Quantity int
		Status   string
		Product  struct {
			Title      string
			FinalPrice struct {
				Amount   int
				Currency string
			}
			Vendor struct{ Name string }
		}
	}
}

const cartFields = `itemCount items { quantity status product { title finalPrice { amount currency } vendor { name } } }`

// A new customer through the router: an address, a cart from two vendors
// read back with titles and prices in one query, the wishlist added twice
// then removed, and a password change that refuses the old refresh token.
func TestCustomerJourneyThroughTheRouter(t *testing.T) {
	s, _ := startStack(t, t.TempDir())
	url := s.RouterURL + "/graphql"
	var up struct {
		SignUpCustomer struct{ AccessToken, RefreshToken string }
	}
	gqltest.Client{URL: url}.MustData(t, `mutation { signUpCustomer(input: {name: "Ada", email: "ada@example.com", password: "analytical"}) { accessToken refreshToken } }`, nil, &up)
	c := gqltest.Client{URL: url, Token: up.SignUpCustomer.AccessToken}

	var added struct{ AddAddress struct{ ID string } }
	c.MustData(t, `mutation { addAddress(input: {label: "Home", street: "1 Main St", city: "Springfield", postalCode: "12345", country: "US", location: {lat: 39.8, lng: -89.6}}) { id } }`, nil, &added)
	var book struct {
		Me struct {
			Addresses []struct {
				ID, Label string
				Location  struct{ Lat, Lng float64 }
			}
			DefaultAddress struct{ ID string }
		}
	}
	c.MustData(t, `{ me { addresses { id label location { lat lng } } defaultAddress { id } } }`, nil, &book)
	if len(book.Me.Addresses) != 1 || book.Me.Addresses[0].Location.Lng != -89.6 || book.Me.DefaultAddress.ID != added.AddAddress.ID {
		t.Fatalf("address book through the router: %+v", book.Me)
	}
	c.Do(t, `mutation { addAddress(input: {street: "", city: "x", postalCode: "12345", country: "US"}) { id } }`, nil).ExpectCode(t, "INVALID_INPUT", "street")

	const set = `mutation($p: ID!, $q: Int!) { setCartItem(productId: $p, quantity: $q) { itemCount } }`
	quinoa := demo.Vendors[1].Menu[0].Dishes[0]
	c.MustData(t, set, map[string]any{"p": demo.MargheritaID, "q": 2}, nil)
	c.MustData(t, set, map[string]any{"p": quinoa.ID, "q": 1}, nil)
	c.Do(t, set, map[string]any{"p": demo.MargheritaID, "q": 51}).ExpectCode(t, "INVALID_INPUT", "quantity")
	c.Do(t, set, map[string]any{"p": "01966b2e-0000-7000-8000-0000000000ff", "q": 1}).ExpectCode(t, "NOT_FOUND", "")
	for range 2 {
		c.MustData(t, `mutation($p: ID!) { addToWishlist(productId: $p) { id } }`, map[string]any{"p": demo.TiramisuID}, nil)
	}

	var me struct {
		Me struct {
			Cart     cartData
			Wishlist []struct{ Title string }
		}
	}
	c.MustData(t, `{ me { cart { `+cartFields+` } wishlist { title } } }`, nil, &me)
	cart := me.Me.Cart
	if cart.ItemCount != 3 || len(cart.Items) != 2 || cart.Items[0].Product.Title != "Margherita" || cart.Items[0].Product.FinalPrice.Amount != 850 ||
		cart.Items[1].Product.Title != quinoa.Title || cart.Items[1].Product.Vendor.Name != "Green Bowl" || cart.Items[0].Product.Vendor.Name != "Trattoria Platter" {
		t.Fatalf("cart through the router: %+v", cart)
	}
	if len(me.Me.Wishlist) != 1 || me.Me.Wishlist[0].Title != "Tiramisu" {
		t.Fatalf("wishlist after adding twice: %+v", me.Me.Wishlist)
	}
	c.MustData(t, `mutation($p: ID!) { removeFromWishlist(productId: $p) { id } }`, map[string]any{"p": demo.TiramisuID}, nil)
	c.MustData(t, `{ me { wishlist { title } } }`, nil, &me)
	if len(me.Me.Wishlist) != 0 {
		t.Fatalf("wishlist after removing: %+v", me.Me.Wishlist)
	}

	// A second session (another device) ends with the password change; the
	// session that changed it goes on.
	var other struct{ SignInCustomer struct{ RefreshToken string } }
	gqltest.Client{URL: url}.MustData(t, `mutation { signInCustomer(email: "ada@example.com", password: "analytical") { refreshToken } }`, nil, &other)
	c.MustData(t, `mutation { changePassword(currentPassword: "analytical", newPassword: "difference engine") }`, nil, nil)
	const refresh = `mutation($r: String!) { refreshCustomerSession(refreshToken: $r) { accessToken } }`
	gqltest.Client{URL: url}.Do(t, refresh, map[string]any{"r": other.SignInCustomer.RefreshToken}).ExpectCode(t, "UNAUTHENTICATED", "")
	gqltest.Client{URL: url}.MustData(t, refresh, map[string]any{"r": up.SignUpCustomer.RefreshToken}, nil)
	signIn(t, url, "ada@example.com", "difference engine")
}
