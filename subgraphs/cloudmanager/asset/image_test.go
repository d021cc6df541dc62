package asset_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
	"github.com/platterhq/platter/subgraphs/cloudmanager/mediatest"
)

func TestInspect(t *testing.T) {
	png := mediatest.PNG(t, 40, 30)
	jpg := mediatest.JPEG(t, 64, 48)
	cases := []struct {
		name    string
		data    []byte
		want    asset.Kind
		invalid string // part of the message when refused
	}{
		{"png", png, asset.Kind{ContentType: "image/png", Width: 40, Height: 30}, ""},
		{"jpeg", jpg, asset.Kind{ContentType: "image/jpeg", Width: 64, Height: 48}, ""},
		{"webp", mediatest.WebP, asset.Kind{ContentType: "image/webp", Width: 1, Height: 1}, ""},
		{"webp header", mediatest.WebPHeader(1200, 800), asset.Kind{ContentType: "image/webp", Width: 1200, Height: 800}, ""},
		{"largest", mediatest.WebPHeader(asset.MaxDimension, asset.MaxDimension), asset.Kind{ContentType: "image/webp", Width: asset.MaxDimension, Height: asset.MaxDimension}, ""},
		{"too wide", mediatest.WebPHeader(asset.MaxDimension+1, 10), asset.Kind{}, "each side"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), asset.Kind{}, "not a JPEG, PNG or WebP"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), asset.Kind{}, "not a JPEG, PNG or WebP"},
		{"pdf", []byte("%PDF-1.7\n"), asset.Kind{}, "not a JPEG, PNG or WebP"},
		{"empty", nil, asset.Kind{}, "is empty"},
		{"png magic only", png[:8], asset.Kind{}, "PNG image but its header"},
		{"truncated png", png[:20], asset.Kind{}, "PNG image but its header"},
		{"jpeg magic then junk", append([]byte{0xFF, 0xD8, 0xFF}, bytes.Repeat([]byte{0}, 50)...), asset.Kind{}, "JPEG image but its header"},
		{"riff but not webp", []byte("RIFF\x10\x00\x00\x00WAVEfmt "), asset.Kind{}, "not a JPEG, PNG or WebP"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := asset.Inspect(bytes.NewReader(tc.data), "file")
			if tc.invalid == "" {
				if err != nil || got != tc.want {
					t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.InvalidInput || e.Field != "file" || !strings.Contains(e.Message, tc.invalid) {
				t.Fatalf("got %v, want INVALID_INPUT on file saying %q", err, tc.invalid)
			}
		})
	}
}

func TestPurposes(t *testing.T) {
	anyone := asset.Caller{ID: "c"}
	vendor := asset.Caller{ID: "v", Vendor: true}
	courier := asset.Caller{ID: "d", Courier: true}
	admin := asset.Caller{ID: "a", Admin: true}
	cases := []struct {
		purpose asset.Purpose
		allowed []asset.Caller
		refused []asset.Caller
	}{
		{asset.PurposeAvatar, []asset.Caller{anyone, vendor, courier, admin}, []asset.Caller{{}}},
		{asset.PurposeVendorLogo, []asset.Caller{vendor, admin}, []asset.Caller{anyone, courier}},
		{asset.PurposeGallery, []asset.Caller{vendor, admin}, []asset.Caller{anyone, courier}},
		{asset.PurposeProductImage, []asset.Caller{vendor, admin}, []asset.Caller{anyone, courier}},
		{asset.PurposeTeamPhoto, []asset.Caller{vendor, admin}, []asset.Caller{anyone, courier}},
		{asset.PurposeCourierPhoto, []asset.Caller{courier, admin}, []asset.Caller{anyone, vendor}},
		{"BANNER", nil, []asset.Caller{anyone, admin}},
	}
	for _, tc := range cases {
		t.Run(string(tc.purpose), func(t *testing.T) {
			for _, c := range tc.allowed {
				if !tc.purpose.AllowedFor(c) {
					t.Errorf("%+v refused", c)
				}
			}
			for _, c := range tc.refused {
				if tc.purpose.AllowedFor(c) {
					t.Errorf("%+v allowed", c)
				}
			}
		})
	}
}

func TestObjectNames(t *testing.T) {
	const id = "0190c6b2-1c6a-7c55-9d5e-3f1a2b3c4d5e"
	cases := []struct {
		purpose asset.Purpose
		owner   string
		want    string
	}{
		{asset.PurposeVendorLogo, "01966b2e-0000-7000-8000-00000000f001", "vendor_logo/01966b2e-0000-7000-8000-00000000f001/" + id},
		{asset.PurposeAvatar, "platter-demo", "avatar/platter-demo/" + id},
		// An owner can never add a segment or climb out of its folder.
		{asset.PurposeGallery, "../../etc", "gallery/_._.._etc/" + id},
		{asset.PurposeGallery, "a/b c", "gallery/a_b_c/" + id},
	}
	for _, tc := range cases {
		if got := asset.ObjectName(tc.purpose, tc.owner, id); got != tc.want {
			t.Errorf("ObjectName(%s, %q) = %q, want %q", tc.purpose, tc.owner, got, tc.want)
		}
	}
	if got := asset.StagingName(id); got != "uploads/"+id {
		t.Errorf("staging name %q", got)
	}
}
