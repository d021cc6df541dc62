package catalog

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/apperr"
)

func TestNewProductValidation(t *testing.T) {
	good := NewProduct{VendorID: "v1", Title: "Pad Thai", Description: "Rice noodles", Available: true}
	cases := []struct {
		name  string
		edit  func(*NewProduct)
		field string
	}{
		{"empty vendor", func(p *NewProduct) { p.VendorID = " " }, "vendorId"},
		{"long vendor", func(p *NewProduct) { p.VendorID = strings.Repeat("v", 65) }, "vendorId"},
		{"empty title", func(p *NewProduct) { p.Title = " \t " }, "title"},
		{"long title", func(p *NewProduct) { p.Title = strings.Repeat("é", 101) }, "title"},
		{"long description", func(p *NewProduct) { p.Description = strings.Repeat("d", 1001) }, "description"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := good
			c.edit(&in)
			_, err := newProduct(in, time.Now())
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.InvalidInput || e.Field != c.field {
				t.Fatalf("got %v, want INVALID_INPUT on %s", err, c.field)
			}
		})
	}

	now := time.Date(2026, 1, 2, 3, 4, 5, 6789, time.FixedZone("X", 3600))
	p, err := newProduct(NewProduct{VendorID: " v1 ", Title: "  Pad   Thai ", Description: " Rice noodles \n", Available: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	id, err := uuid.Parse(p.ID)
	if err != nil || id.Version() != 7 {
		t.Fatalf("id %q is not a UUIDv7", p.ID)
	}
	want := time.Date(2026, 1, 2, 2, 4, 5, 6000, time.UTC)
	if p.VendorID != "v1" || p.Title != "Pad Thai" || p.Description != "Rice noodles" || !p.Available ||
		!p.CreatedAt.Equal(want) || p.CreatedAt.Location() != time.UTC || p.UpdatedAt != p.CreatedAt {
		t.Fatalf("product %+v", p)
	}
	if _, err := newProduct(NewProduct{VendorID: "v1", Title: strings.Repeat("é", 100)}, now); err != nil {
		t.Fatalf("a 100-character title: %v", err)
	}
}

func TestTitleKey(t *testing.T) {
	cases := []struct{ a, b string }{
		{"Pad Thai", "pad thai"},
		{" Pad  Thai ", "PAD THAI"},
		{"Crème Brûlée", "CRÈME BRÛLÉE"},
	}
	for _, c := range cases {
		if TitleKey(c.a) != TitleKey(c.b) {
			t.Errorf("%q and %q should be the same title", c.a, c.b)
		}
	}
	if TitleKey("Crème") == TitleKey("Creme") {
		t.Error("accents should make a different title")
	}
}

func TestParseID(t *testing.T) {
	canonical := "019abc00-0000-7000-8000-000000000001"
	for _, in := range []string{canonical, strings.ToUpper(canonical), " " + canonical + " "} {
		got, err := ParseID("id", in)
		if err != nil || got != canonical {
			t.Errorf("ParseID(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "42", "not-a-uuid", strings.Repeat("a", 300)} {
		_, err := ParseID("id", in)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.InvalidInput || e.Field != "id" {
			t.Errorf("ParseID(%q): got %v, want INVALID_INPUT on id", in, err)
		}
	}
}
