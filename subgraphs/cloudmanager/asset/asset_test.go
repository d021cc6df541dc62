package asset

import (
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
)

const someID = "0190c6b2-1c6a-7c55-9d5e-3f1a2b3c4d5e"

func TestNewValidation(t *testing.T) {
	good := Image{Purpose: PurposeVendorLogo, ContentType: "image/webp", Bytes: 1, Width: 1, Height: 1}
	cases := []struct {
		name  string
		id    string
		owner string
		edit  func(*Image)
		field string
	}{
		{"valid", someID, "o", func(*Image) {}, ""},
		{"at the limits", someID, "o", func(i *Image) { i.Bytes, i.Width, i.Height = MaxBytes, MaxDimension, MaxDimension }, ""},
		{"jpeg", someID, "o", func(i *Image) { i.ContentType = "image/jpeg" }, ""},
		{"png", someID, "o", func(i *Image) { i.ContentType = "image/png" }, ""},
		{"malformed id", "assets/../x", "o", func(*Image) {}, "id"},
		{"upper-case id", "0190C6B2-1C6A-7C55-9D5E-3F1A2B3C4D5E", "o", func(*Image) {}, "id"},
		{"no owner", someID, "", func(*Image) {}, "owner"},
		{"unknown purpose", someID, "o", func(i *Image) { i.Purpose = "BANNER" }, "purpose"},
		{"gif", someID, "o", func(i *Image) { i.ContentType = "image/gif" }, "contentType"},
		{"svg", someID, "o", func(i *Image) { i.ContentType = "image/svg+xml" }, "contentType"},
		{"empty", someID, "o", func(i *Image) { i.Bytes = 0 }, "bytes"},
		{"too big", someID, "o", func(i *Image) { i.Bytes = MaxBytes + 1 }, "bytes"},
		{"no width", someID, "o", func(i *Image) { i.Width = 0 }, "width"},
		{"too wide", someID, "o", func(i *Image) { i.Width = MaxDimension + 1 }, "width"},
		{"negative height", someID, "o", func(i *Image) { i.Height = -1 }, "height"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := good
			tc.edit(&img)
			a, err := New(tc.id, tc.owner, img, time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", -7200)))
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if a.ID != tc.id || a.CreatedAt.Location() != time.UTC || a.CreatedAt.Hour() != 5 {
					t.Fatalf("asset %+v", a)
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

func TestNewIDsAreValid(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id, err := NewID()
		if err != nil || ValidateID(id) != nil || seen[id] {
			t.Fatalf("id %q: %v", id, err)
		}
		seen[id] = true
	}
}
