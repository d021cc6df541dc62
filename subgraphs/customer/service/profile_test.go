package service_test

import (
	"testing"

	"github.com/platterhq/platter/internal/gqltest"
)

const addressFields = `id label street city postalCode country location { lat lng }`

type addressOut struct {
	ID, Street, City, PostalCode, Country string
	Label                                 *string
	Location                              *struct{ Lat, Lng float64 }
}

func TestProfileUpdate(t *testing.T) {
	h := newHarness(t, "", "")
	ada := h.signUp(t, "Ada", "ada@example.com", "password1")
	c := gqltest.Client{URL: h.url, Token: ada.AccessToken}
	const q = `mutation($in: UpdateProfileInput!) { updateProfile(input: $in) { name email phone avatar { id } } }`
	var out struct {
		UpdateProfile struct {
			Name, Email string
			Phone       *string
			Avatar      *struct{ ID string }
		}
	}
	c.MustData(t, q, map[string]any{"in": map[string]any{"phone": "+44 20 7946 0000", "avatarAssetId": "019abc00-0000-7000-8000-0000000000aa"}}, &out)
	p := out.UpdateProfile
	if p.Name != "Ada" || p.Phone == nil || *p.Phone != "+44 20 7946 0000" || p.Avatar == nil || p.Avatar.ID != "019abc00-0000-7000-8000-0000000000aa" {
		t.Fatalf("after update: %+v", p)
	}
	c.Do(t, q, map[string]any{"in": map[string]any{"name": "", "phone": "+1 555 0100"}}).ExpectCode(t, "INVALID_INPUT", "name")
	c.Do(t, q, map[string]any{"in": map[string]any{"phone": "not a phone"}}).ExpectCode(t, "INVALID_INPUT", "phone")
	// Nothing of a refused change was stored.
	var me struct{ Me struct{ Phone *string } }
	c.MustData(t, `{ me { phone } }`, nil, &me)
	if me.Me.Phone == nil || *me.Me.Phone != "+44 20 7946 0000" {
		t.Fatalf("refused change stored: %+v", me.Me)
	}
	gqltest.Client{URL: h.url}.Do(t, q, map[string]any{"in": map[string]any{"name": "X"}}).ExpectCode(t, "UNAUTHENTICATED", "")
}

func TestAddressBookIsPrivate(t *testing.T) {
	h := newHarness(t, "", "")
	ada := h.signUp(t, "Ada", "ada@example.com", "password1")
	bob := h.signUp(t, "Bob", "bob@example.com", "password1")
	asAda := gqltest.Client{URL: h.url, Token: ada.AccessToken}
	asBob := gqltest.Client{URL: h.url, Token: bob.AccessToken}

	add := `mutation($in: AddressInput!, $d: Boolean!) { addAddress(input: $in, makeDefault: $d) { ` + addressFields + ` } }`
	var home, work struct{ AddAddress addressOut }
	asAda.MustData(t, add, map[string]any{"d": false, "in": map[string]any{"label": "Home", "street": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "us"}}, &home)
	asAda.MustData(t, add, map[string]any{"d": true, "in": map[string]any{"street": "2 Work Rd", "city": "Springfield", "postalCode": "12346", "country": "US", "location": map[string]any{"lat": 40.1, "lng": -75.2}}}, &work)
	if home.AddAddress.Country != "US" || home.AddAddress.Location != nil || work.AddAddress.Location == nil || work.AddAddress.Location.Lng != -75.2 {
		t.Fatalf("added %+v and %+v", home.AddAddress, work.AddAddress)
	}
	asAda.Do(t, add, map[string]any{"d": false, "in": map[string]any{"street": "x", "city": "y", "postalCode": "12345", "country": "USA"}}).ExpectCode(t, "INVALID_INPUT", "country")

	var me struct {
		Me struct {
			Addresses      []addressOut
			DefaultAddress *addressOut
		}
	}
	asAda.MustData(t, `{ me { addresses { `+addressFields+` } defaultAddress { id } } }`, nil, &me)
	if len(me.Me.Addresses) != 2 || me.Me.DefaultAddress == nil || me.Me.DefaultAddress.ID != work.AddAddress.ID {
		t.Fatalf("address book: %+v", me.Me)
	}

	// Bob cannot touch Ada's address, and learns nothing about it.
	for _, q := range []string{
		`mutation($id: ID!) { removeAddress(id: $id) }`,
		`mutation($id: ID!) { setDefaultAddress(id: $id) { id } }`,
	} {
		asBob.Do(t, q, map[string]any{"id": home.AddAddress.ID}).ExpectCode(t, "NOT_FOUND", "")
	}
	asBob.Do(t, `mutation($id: ID!, $in: AddressInput!) { updateAddress(id: $id, input: $in) { id } }`,
		map[string]any{"id": home.AddAddress.ID, "in": map[string]any{"street": "Hijacked", "city": "y", "postalCode": "12345", "country": "US"}}).ExpectCode(t, "NOT_FOUND", "")

	// Another customer sees no address book through the entity.
	var ent struct {
		Entities []struct{ Addresses []addressOut } `json:"_entities"`
	}
	asBob.MustData(t, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { addresses { id } } } }`,
		map[string]any{"r": []map[string]any{{"__typename": "Customer", "id": ada.Customer.ID}}}, &ent)
	if ent.Entities[0].Addresses != nil {
		t.Fatalf("another customer read the address book: %+v", ent.Entities[0])
	}

	var upd struct{ UpdateAddress addressOut }
	asAda.MustData(t, `mutation($id: ID!, $in: AddressInput!) { updateAddress(id: $id, input: $in) { `+addressFields+` } }`,
		map[string]any{"id": home.AddAddress.ID, "in": map[string]any{"street": "3 New St", "city": "Shelbyville", "postalCode": "54321", "country": "US"}}, &upd)
	if upd.UpdateAddress.ID != home.AddAddress.ID || upd.UpdateAddress.Street != "3 New St" {
		t.Fatalf("update: %+v", upd.UpdateAddress)
	}
	asAda.MustData(t, `mutation($id: ID!) { removeAddress(id: $id) }`, map[string]any{"id": work.AddAddress.ID}, nil)
	asAda.MustData(t, `{ me { addresses { `+addressFields+` } defaultAddress { id } } }`, nil, &me)
	if len(me.Me.Addresses) != 1 || me.Me.DefaultAddress == nil || me.Me.DefaultAddress.ID != home.AddAddress.ID {
		t.Fatalf("after removing the default: %+v", me.Me)
	}
}

const refresh = `mutation($t: String!) { refreshCustomerSession(refreshToken: $t) { accessToken refreshToken } }`

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	h := newHarness(t, "", "")
	phone := h.signUp(t, "Ada", "ada@example.com", "password1")
	var in struct{ SignInCustomer session }
	gqltest.Client{URL: h.url}.MustData(t, `mutation { signInCustomer(email: "ada@example.com", password: "password1") { accessToken refreshToken } }`, nil, &in)
	laptop := in.SignInCustomer

	c := gqltest.Client{URL: h.url, Token: laptop.AccessToken}
	const change = `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`
	c.Do(t, change, map[string]any{"c": "wrong-password", "n": "new password"}).ExpectCode(t, "INVALID_INPUT", "currentPassword")
	c.Do(t, change, map[string]any{"c": "password1", "n": "short"}).ExpectCode(t, "INVALID_INPUT", "newPassword")
	c.MustData(t, change, map[string]any{"c": "password1", "n": "new password"}, nil)

	anon := gqltest.Client{URL: h.url}
	anon.Do(t, refresh, map[string]any{"t": phone.RefreshToken}).ExpectCode(t, "UNAUTHENTICATED", "")
	anon.MustData(t, refresh, map[string]any{"t": laptop.RefreshToken}, nil) // the session that changed it goes on
	anon.Do(t, `mutation { signInCustomer(email: "ada@example.com", password: "password1") { accessToken } }`, nil).ExpectCode(t, "UNAUTHENTICATED", "")
	anon.MustData(t, `mutation { signInCustomer(email: "ada@example.com", password: "new password") { accessToken } }`, nil, nil)
}

func TestDeleteAccount(t *testing.T) {
	h := newHarness(t, "", "")
	ada := h.signUp(t, "Ada", "ada@example.com", "password1")
	c := gqltest.Client{URL: h.url, Token: ada.AccessToken}
	c.MustData(t, `mutation { addAddress(input: {street: "1 Main St", city: "Springfield", postalCode: "12345", country: "US"}) { id } }`, nil, nil)
	c.Do(t, `mutation { deleteAccount(password: "nope-nope") }`, nil).ExpectCode(t, "INVALID_INPUT", "password")
	c.MustData(t, `mutation { deleteAccount(password: "password1") }`, nil, nil)

	anon := gqltest.Client{URL: h.url}
	anon.Do(t, refresh, map[string]any{"t": ada.RefreshToken}).ExpectCode(t, "UNAUTHENTICATED", "")
	anon.Do(t, `mutation { signInCustomer(email: "ada@example.com", password: "password1") { accessToken } }`, nil).ExpectCode(t, "UNAUTHENTICATED", "")
	c.Do(t, `{ me { id } }`, nil).ExpectCode(t, "NOT_FOUND", "")

	// The email is free again, and the old account keeps no personal data.
	again := h.signUp(t, "Ada Again", "ada@example.com", "password2")
	if again.Customer.ID == ada.Customer.ID {
		t.Fatal("sign-up reused the deleted account")
	}
	if old, err := h.svc.Accounts.Get(t.Context(), ada.Customer.ID); err == nil {
		t.Fatalf("deleted account still readable: %+v", old)
	}
	kept, err := h.svc.Accounts.GetMany(t.Context(), []string{ada.Customer.ID})
	if err != nil {
		t.Fatal(err)
	}
	if k := kept[0]; !k.Deleted || k.Name != "Deleted customer" || k.Email == "ada@example.com" || k.PasswordHash != "" || len(k.Addresses) != 0 {
		t.Fatalf("deleted account keeps personal data: %+v", k)
	}
}
