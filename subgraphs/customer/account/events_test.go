package account

import (
	"slices"
	"testing"
)

func TestWithoutOrdered(t *testing.T) {
	cart := []CartItem{{ProductID: "a", Quantity: 3}, {ProductID: "b", Quantity: 1}, {ProductID: "c", Quantity: 2}}
	cases := []struct {
		name    string
		ordered []CartItem
		want    []CartItem
	}{
		{"part of a line", []CartItem{{ProductID: "a", Quantity: 1}}, []CartItem{{ProductID: "a", Quantity: 2}, {ProductID: "b", Quantity: 1}, {ProductID: "c", Quantity: 2}}},
		{"a whole line", []CartItem{{ProductID: "b", Quantity: 1}}, []CartItem{{ProductID: "a", Quantity: 3}, {ProductID: "c", Quantity: 2}}},
		{"more than the line", []CartItem{{ProductID: "c", Quantity: 5}}, []CartItem{{ProductID: "a", Quantity: 3}, {ProductID: "b", Quantity: 1}}},
		{"one product in two order lines", []CartItem{{ProductID: "a", Quantity: 1}, {ProductID: "a", Quantity: 2}}, []CartItem{{ProductID: "b", Quantity: 1}, {ProductID: "c", Quantity: 2}}},
		{"a product no longer in the cart", []CartItem{{ProductID: "z", Quantity: 1}}, cart},
		{"nothing", nil, cart},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := slices.Clone(cart)
			got := withoutOrdered(cart, c.ordered)
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			if !slices.Equal(cart, before) {
				t.Fatal("the input cart changed")
			}
		})
	}
}

func TestAddressText(t *testing.T) {
	cases := map[string]Address{
		"Via Torino 20, 20123 Milano, Italy":             {Street: "Via Torino 20", PostalCode: "20123", City: "Milano", Country: "IT"},
		"1 Main St, 12345 Springfield, United States":    {Street: "1 Main St", PostalCode: "12345", City: "Springfield", Country: "US"},
		"10 Downing St, SW1A 2AA London, United Kingdom": {Street: "10 Downing St", PostalCode: "SW1A 2AA", City: "London", Country: "GB"},
		// Codes that name no country stay codes.
		"1 Nowhere, 00000 Atlantis, ZZ": {Street: "1 Nowhere", PostalCode: "00000", City: "Atlantis", Country: "ZZ"},
	}
	for want, a := range cases {
		if got := a.Text(); got != want {
			t.Errorf("%+v reads %q, want %q", a, got, want)
		}
	}
}

// An address keeps its location while its text stays the same; new text
// without a location has none until it is found.
func TestUpdateAddressKeepsTheLocationOfTheSamePlace(t *testing.T) {
	var c Customer
	in := AddressInput{Street: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US", Location: &GeoPoint{Lat: 1, Lng: 2}}
	a, err := c.addAddress(in, false)
	if err != nil {
		t.Fatal(err)
	}
	in.Location, in.Label = nil, "Home"
	if a, err = c.updateAddress(a.ID, in); err != nil || a.Location == nil || *a.Location != (GeoPoint{Lat: 1, Lng: 2}) {
		t.Fatalf("relabelled: %+v %v", a, err)
	}
	in.Street = "2 Main St"
	if a, err = c.updateAddress(a.ID, in); err != nil || a.Location != nil {
		t.Fatalf("moved: %+v %v", a, err)
	}
}
