package service_test

import (
	"sync"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/subgraphs/customer/consumers"
)

func decode[T any](t *testing.T, e events.Envelope) T {
	t.Helper()
	d, err := events.Decode[T](e)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestAccountEventsArePublished(t *testing.T) {
	h := newHarness(t, "admin@example.com", "admin-password")
	ada := h.signUp(t, "Ada", "ada@example.com", "password1")
	id := ada.Customer.ID
	reg := decode[events.CustomerRegisteredData](t, h.published.waitFor(t, events.CustomerRegistered, id, 1)[0])
	if reg != (events.CustomerRegisteredData{CustomerID: id, Email: "ada@example.com", Name: "Ada"}) {
		t.Fatalf("registered: %+v", reg)
	}

	c := gqltest.Client{URL: h.url, Token: ada.AccessToken}
	const update = `mutation($in: UpdateProfileInput!) { updateProfile(input: $in) { name } }`
	c.MustData(t, update, map[string]any{"in": map[string]any{"name": "Ada Lovelace"}}, nil)
	c.MustData(t, update, map[string]any{"in": map[string]any{"name": "Ada Lovelace"}}, nil) // no change, no event
	c.Do(t, update, map[string]any{"in": map[string]any{"phone": "nope"}}).ExpectCode(t, "INVALID_INPUT", "phone")
	c.MustData(t, update, map[string]any{"in": map[string]any{"phone": "+44 20 7946 0000"}}, nil)
	updates := h.published.waitFor(t, events.CustomerUpdated, id, 2)
	if d := decode[events.CustomerUpdatedData](t, updates[0]); d != (events.CustomerUpdatedData{CustomerID: id, Email: "ada@example.com", Name: "Ada Lovelace"}) {
		t.Fatalf("updated: %+v", d)
	}

	c.MustData(t, `mutation { deleteAccount(password: "password1") }`, nil, nil)
	del := decode[events.CustomerDeletedData](t, h.published.waitFor(t, events.CustomerDeleted, id, 1)[0])
	if del.CustomerID != id {
		t.Fatalf("deleted: %+v", del)
	}
	// Every event went out once, in order, from the customer subgraph.
	if n := len(h.published.of(events.CustomerUpdated, id)); n != 2 {
		t.Fatalf("%d updated events, want 2 (an unchanged profile publishes nothing)", n)
	}
	// The admin created from configuration registered too.
	deadline := time.Now().Add(10 * time.Second)
	for !h.published.any(func(e events.Envelope) bool {
		return e.Type == events.CustomerRegistered && decode[events.CustomerRegisteredData](t, e).Email == "admin@example.com"
	}) {
		if time.Now().After(deadline) {
			t.Fatal("no registered event for the configured admin")
		}
		time.Sleep(10 * time.Millisecond)
	}
	var last time.Time
	for _, typ := range []string{events.CustomerRegistered, events.CustomerUpdated, events.CustomerDeleted} {
		for _, e := range h.published.of(typ, id) {
			if e.Source != "customer" || e.Time.Before(last) {
				t.Fatalf("event %+v out of order or from elsewhere", e)
			}
			last = e.Time
		}
	}
}

// geocoded publishes cloudmanager's answer to a request.
func geocoded(t *testing.T, h harness, d events.AddressGeocodedData) {
	t.Helper()
	e, err := events.New(t.Context(), "cloudmanager", events.AddressGeocoded, d.SubjectID, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.bus.Publish(t.Context(), e); err != nil {
		t.Fatal(err)
	}
}

// locations polls the caller's address book until done is satisfied.
func locations(t *testing.T, c gqltest.Client, done func(map[string]*struct{ Lat, Lng float64 }) bool) map[string]*struct{ Lat, Lng float64 } {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var me struct {
			Me struct{ Addresses []addressOut }
		}
		c.MustData(t, `{ me { addresses { `+addressFields+` } } }`, nil, &me)
		got := map[string]*struct{ Lat, Lng float64 }{}
		for _, a := range me.Me.Addresses {
			got[a.ID] = a.Location
		}
		if done(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("address locations stayed %+v", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAddressWithoutLocationIsGeocoded(t *testing.T) {
	h := newHarness(t, "", "")
	ada := h.signUp(t, "Ada", "ada@example.com", "password1")
	id := ada.Customer.ID
	c := gqltest.Client{URL: h.url, Token: ada.AccessToken}
	const add = `mutation($in: AddressInput!) { addAddress(input: $in) { id location { lat lng } } }`
	const update = `mutation($id: ID!, $in: AddressInput!) { updateAddress(id: $id, input: $in) { id location { lat lng } } }`
	type added struct {
		AddAddress struct {
			ID       string
			Location *struct{ Lat, Lng float64 }
		}
	}
	var home, work, located added
	c.MustData(t, add, map[string]any{"in": map[string]any{"label": "Home", "street": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"}}, &home)
	c.MustData(t, add, map[string]any{"in": map[string]any{"street": "2 Work Rd", "city": "Springfield", "postalCode": "12346", "country": "US"}}, &work)
	c.MustData(t, add, map[string]any{"in": map[string]any{"street": "3 Known Ave", "city": "Springfield", "postalCode": "12347", "country": "US", "location": map[string]any{"lat": 1, "lng": 2}}}, &located)
	if home.AddAddress.Location != nil {
		t.Fatalf("location before geocoding: %+v", home.AddAddress.Location)
	}

	requests := h.published.waitFor(t, events.CustomerAddressGeocodingRequested, id, 2)
	first := decode[events.GeocodingRequestedData](t, requests[0])
	if first != (events.GeocodingRequestedData{SubjectID: id, AddressID: home.AddAddress.ID, Address: "1 Main St, 12345 Springfield, United States"}) {
		t.Fatalf("request: %+v", first)
	}
	workText := decode[events.GeocodingRequestedData](t, requests[1]).Address

	// The customer changes the work address before the answer comes: the
	// answer about the old text is stale, and a new request goes out.
	c.MustData(t, update, map[string]any{"id": work.AddAddress.ID, "in": map[string]any{"street": "22 Work Rd", "city": "Springfield", "postalCode": "12346", "country": "US"}}, nil)
	requests = h.published.waitFor(t, events.CustomerAddressGeocodingRequested, id, 3)
	if d := decode[events.GeocodingRequestedData](t, requests[2]); d.AddressID != work.AddAddress.ID || d.Address != "22 Work Rd, 12346 Springfield, United States" {
		t.Fatalf("request after the change: %+v", d)
	}

	at := &events.GeoPoint{Lat: 39.8, Lng: -89.6}
	geocoded(t, h, events.AddressGeocodedData{Requester: "customer", SubjectID: id, AddressID: work.AddAddress.ID, Address: workText, Found: true, Location: at})
	geocoded(t, h, events.AddressGeocodedData{Requester: "vendor", SubjectID: id, AddressID: work.AddAddress.ID, Address: "22 Work Rd, 12346 Springfield, United States", Found: true, Location: at})
	geocoded(t, h, events.AddressGeocodedData{Requester: "customer", SubjectID: id, AddressID: work.AddAddress.ID, Address: "22 Work Rd, 12346 Springfield, United States", Found: false, Reason: "NOT_FOUND"})
	geocoded(t, h, events.AddressGeocodedData{Requester: "customer", SubjectID: id, AddressID: located.AddAddress.ID, Address: "3 Known Ave, 12347 Springfield, United States", Found: true, Location: at})
	// The answer about home comes last: once it is applied, the bus has
	// delivered the others before it.
	geocoded(t, h, events.AddressGeocodedData{Requester: "customer", SubjectID: id, AddressID: home.AddAddress.ID, Address: first.Address, Found: true, Location: at})

	got := locations(t, c, func(l map[string]*struct{ Lat, Lng float64 }) bool { return l[home.AddAddress.ID] != nil })
	if l := got[home.AddAddress.ID]; l.Lat != 39.8 || l.Lng != -89.6 {
		t.Fatalf("home at %+v", l)
	}
	if got[work.AddAddress.ID] != nil {
		t.Fatalf("a stale, a foreign or an empty answer located the work address: %+v", got[work.AddAddress.ID])
	}
	if l := got[located.AddAddress.ID]; l == nil || l.Lat != 1 || l.Lng != 2 {
		t.Fatalf("an answer replaced the location the customer gave: %+v", l)
	}

	// A new label on the same place keeps the location and asks nothing.
	var relabelled struct {
		UpdateAddress struct{ Location *struct{ Lat, Lng float64 } }
	}
	c.MustData(t, update, map[string]any{"id": home.AddAddress.ID, "in": map[string]any{"label": "Flat", "street": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "us"}}, &relabelled)
	if relabelled.UpdateAddress.Location == nil || relabelled.UpdateAddress.Location.Lat != 39.8 {
		t.Fatalf("relabelling lost the location: %+v", relabelled.UpdateAddress)
	}
	if n := len(h.published.of(events.CustomerAddressGeocodingRequested, id)); n != 3 {
		t.Fatalf("%d geocoding requests, want 3", n)
	}
}

func placed(t *testing.T, orderID, customerID string, items map[string]int) events.Envelope {
	t.Helper()
	d := events.OrderData{OrderID: orderID, CustomerID: customerID, Status: "PLACED", Version: 1}
	for p, q := range items {
		d.Items = append(d.Items, events.OrderItem{ProductID: p, Quantity: q})
	}
	e, err := events.New(t.Context(), "shopping", events.OrderPlaced, orderID, d)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// cartOf polls the caller's cart until done is satisfied; it returns the
// quantities by product.
func cartOf(t *testing.T, c gqltest.Client, done func(map[string]int) bool) map[string]int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var me struct{ Me struct{ Cart cartOut } }
		c.MustData(t, `{ me { cart { `+cartFields+` } } }`, nil, &me)
		got := map[string]int{}
		for _, it := range me.Me.Cart.Items {
			got[it.ProductID] = it.Quantity
		}
		if done(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("cart stayed %v", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOrderPlacedTakesTheOrderedItemsOnce(t *testing.T) {
	h := newHarness(t, "", "")
	publish := withProducts(t, h)
	for _, p := range []string{"pizza", "tiramisu", "curry"} {
		publish(events.ProductData{ProductID: p, VendorID: "v-" + p, Available: true, Version: 1})
	}
	ada := h.signUp(t, "Ada", "ada@example.com", "password1")
	bob := h.signUp(t, "Bob", "bob@example.com", "password1")
	c := gqltest.Client{URL: h.url, Token: ada.AccessToken}
	const set = `mutation($p: ID!, $q: Int!) { setCartItem(productId: $p, quantity: $q) { itemCount } }`
	for p, q := range map[string]int{"pizza": 5, "tiramisu": 1, "curry": 5} {
		c.MustData(t, set, map[string]any{"p": p, "q": q}, nil)
		gqltest.Client{URL: h.url, Token: bob.AccessToken}.MustData(t, set, map[string]any{"p": p, "q": q}, nil)
	}

	// One checkout, two vendors' orders; the first delivered twice.
	italian := placed(t, "o-1", ada.Customer.ID, map[string]int{"pizza": 2, "tiramisu": 1})
	indian := placed(t, "o-2", ada.Customer.ID, map[string]int{"curry": 1})
	unknown := placed(t, "o-3", "no-such-customer", map[string]int{"curry": 1})
	// Orders are handled side by side, each in order: a later event on the
	// first order's subject is handled after both copies, so once its
	// effect shows, so has theirs.
	marker := placed(t, "o-1", ada.Customer.ID, map[string]int{"curry": 1})
	if err := h.bus.Publish(t.Context(), italian, italian, unknown, indian, marker); err != nil {
		t.Fatal(err)
	}
	got := cartOf(t, c, func(cart map[string]int) bool { return cart["curry"] == 3 })
	if got["pizza"] != 3 || got["tiramisu"] != 0 || len(got) != 2 {
		t.Fatalf("after the orders: %v, want pizza 3 and curry 3", got)
	}

	// Copies delivered at once (a redelivery racing the original on another
	// consumer) take effect once; different orders at once both do.
	handle := consumers.EmptyCartOnOrderPlaced(h.svc.Accounts)
	again := placed(t, "o-4", ada.Customer.ID, map[string]int{"pizza": 1})
	other := placed(t, "o-5", ada.Customer.ID, map[string]int{"curry": 2})
	var wg sync.WaitGroup
	for i := range 8 {
		e := again
		if i == 0 {
			e = other
		}
		wg.Go(func() {
			if err := handle(t.Context(), e); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got = cartOf(t, c, func(map[string]int) bool { return true })
	if got["pizza"] != 2 || got["curry"] != 1 {
		t.Fatalf("after concurrent copies: %v, want pizza 2 and curry 1", got)
	}
	bobs := cartOf(t, gqltest.Client{URL: h.url, Token: bob.AccessToken}, func(map[string]int) bool { return true })
	if bobs["pizza"] != 5 || bobs["tiramisu"] != 1 || bobs["curry"] != 5 {
		t.Fatalf("another customer's cart changed: %v", bobs)
	}
	if dl := h.bus.DeadLetters("customer"); len(dl) != 0 {
		t.Fatalf("dead letters: %+v", dl)
	}
}

func TestAssetDeletedDetachesTheAvatar(t *testing.T) {
	h := newHarness(t, "", "")
	ada := h.signUp(t, "Ada", "ada@example.com", "password1")
	bob := h.signUp(t, "Bob", "bob@example.com", "password1")
	const (
		adaAvatar = "019abc00-0000-7000-8000-0000000000aa"
		bobAvatar = "019abc00-0000-7000-8000-0000000000bb"
	)
	const update = `mutation($a: ID!) { updateProfile(input: {avatarAssetId: $a}) { avatar { id } } }`
	asAda := gqltest.Client{URL: h.url, Token: ada.AccessToken}
	asBob := gqltest.Client{URL: h.url, Token: bob.AccessToken}
	asAda.MustData(t, update, map[string]any{"a": adaAvatar}, nil)
	asBob.MustData(t, update, map[string]any{"a": bobAvatar}, nil)
	h.published.waitFor(t, events.CustomerUpdated, ada.Customer.ID, 1)

	e, err := events.New(t.Context(), "cloudmanager", events.AssetDeleted, adaAvatar, events.AssetData{AssetID: adaAvatar, OwnerID: ada.Customer.ID, Purpose: "AVATAR"})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.bus.Publish(t.Context(), e, e); err != nil {
		t.Fatal(err)
	}
	// Detaching is a profile change: once its event is out, so is the change.
	h.published.waitFor(t, events.CustomerUpdated, ada.Customer.ID, 2)
	type me struct {
		Me struct{ Avatar *struct{ ID string } }
	}
	var a, b me
	asAda.MustData(t, `{ me { avatar { id } } }`, nil, &a)
	asBob.MustData(t, `{ me { avatar { id } } }`, nil, &b)
	if a.Me.Avatar != nil || b.Me.Avatar == nil || b.Me.Avatar.ID != bobAvatar {
		t.Fatalf("ada's avatar %+v (want none), bob's %+v", a.Me.Avatar, b.Me.Avatar)
	}
}
