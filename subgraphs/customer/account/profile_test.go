package account

import (
	"strings"
	"testing"

	"github.com/platterhq/platter/internal/apperr"
)

func ptr[T any](v T) *T { return &v }

func expectInvalid(t *testing.T, err error, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.InvalidInput || e.Field != field {
		t.Fatalf("got %v, want INVALID_INPUT on %s", err, field)
	}
}

func TestApplyProfile(t *testing.T) {
	c := Customer{Name: "Ada", Phone: "+1 555 0100", AvatarAssetID: "019abc00-0000-7000-8000-000000000001"}
	if err := c.applyProfile(ProfileChange{Name: ptr("  Ada L. ")}); err != nil || c.Name != "Ada L." || c.Phone != "+1 555 0100" {
		t.Fatalf("name change: %v %+v", err, c)
	}
	if err := c.applyProfile(ProfileChange{Phone: ptr(""), AvatarAssetID: ptr("")}); err != nil || c.Phone != "" || c.AvatarAssetID != "" {
		t.Fatalf("clearing: %v %+v", err, c)
	}
	for _, tc := range []struct {
		change ProfileChange
		field  string
	}{
		{ProfileChange{Name: ptr(" ")}, "name"},
		{ProfileChange{Phone: ptr("call me")}, "phone"},
		{ProfileChange{Phone: ptr("12")}, "phone"},
		{ProfileChange{AvatarAssetID: ptr("../etc/passwd")}, "avatarAssetId"},
	} {
		before := c
		expectInvalid(t, c.applyProfile(tc.change), tc.field)
		if c.Name != before.Name || c.Phone != before.Phone {
			t.Fatalf("a refused change altered the profile: %+v", c)
		}
	}
}

func TestAddressBook(t *testing.T) {
	good := AddressInput{Street: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "us"}
	var c Customer
	first, err := c.addAddress(good, false)
	if err != nil || first.Country != "US" || c.DefaultAddressID != first.ID {
		t.Fatalf("first address: %v %+v, default %q", err, first, c.DefaultAddressID)
	}
	second, _ := c.addAddress(good, false)
	if c.DefaultAddressID != first.ID {
		t.Fatal("a second address took the default without being asked")
	}
	third, _ := c.addAddress(good, true)
	if c.DefaultAddressID != third.ID {
		t.Fatal("makeDefault ignored")
	}
	if err := c.removeAddress(third.ID); err != nil || c.DefaultAddressID != first.ID || len(c.Addresses) != 2 {
		t.Fatalf("removing the default: %v, default %q", err, c.DefaultAddressID)
	}
	if _, err := c.updateAddress("someone-elses", good); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("unknown address: %v", err)
	}
	moved, err := c.updateAddress(second.ID, AddressInput{Street: "9 New Rd", City: "Ogdenville", PostalCode: "SW1A 1AA", Country: "GB", Location: &GeoPoint{Lat: 51.5, Lng: -0.14}})
	if err != nil || moved.ID != second.ID || moved.Location == nil || c.Addresses[1].City != "Ogdenville" {
		t.Fatalf("update: %v %+v", err, moved)
	}
	for len(c.Addresses) < MaxAddresses {
		if _, err := c.addAddress(good, false); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.addAddress(good, false)
	expectInvalid(t, err, "addresses")
}

func TestAddressValidation(t *testing.T) {
	good := AddressInput{Street: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"}
	cases := []struct {
		edit  func(*AddressInput)
		field string
	}{
		{func(a *AddressInput) { a.Street = " " }, "street"},
		{func(a *AddressInput) { a.Street = strings.Repeat("x", 201) }, "street"},
		{func(a *AddressInput) { a.City = "" }, "city"},
		{func(a *AddressInput) { a.PostalCode = "1" }, "postalCode"},
		{func(a *AddressInput) { a.PostalCode = "12$45" }, "postalCode"},
		{func(a *AddressInput) { a.Country = "USA" }, "country"},
		{func(a *AddressInput) { a.Label = strings.Repeat("l", 41) }, "label"},
		{func(a *AddressInput) { a.Location = &GeoPoint{Lat: 91} }, "location.lat"},
		{func(a *AddressInput) { a.Location = &GeoPoint{Lng: -181} }, "location.lng"},
	}
	for _, tc := range cases {
		in := good
		tc.edit(&in)
		_, err := validAddress(in)
		expectInvalid(t, err, tc.field)
	}
}
