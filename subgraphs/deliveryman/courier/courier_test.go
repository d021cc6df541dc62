package courier

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/apperr"
)

func TestNewCourierValidation(t *testing.T) {
	cases := []struct {
		name, in string
	}{
		{"empty", ""},
		{"blank", " \t\n "},
		{"long", strings.Repeat("é", 101)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := newCourier(NewCourier{Name: c.in}, time.Now())
			if e, ok := apperr.As(err); !ok || e.Code != apperr.InvalidInput || e.Field != "name" {
				t.Fatalf("got %v, want INVALID_INPUT on name", err)
			}
		})
	}

	now := time.Date(2026, 1, 2, 3, 4, 5, 6789, time.FixedZone("X", -3600))
	got, err := newCourier(NewCourier{Name: "  Ada   Lovelace "}, now)
	if err != nil {
		t.Fatal(err)
	}
	id, err := uuid.Parse(got.ID)
	if err != nil || id.Version() != 7 {
		t.Fatalf("id %q is not a UUIDv7", got.ID)
	}
	want := time.Date(2026, 1, 2, 4, 4, 5, 6000, time.UTC)
	if got.Name != "Ada Lovelace" || got.Availability != Offline || !got.CreatedAt.Equal(want) ||
		got.CreatedAt.Location() != time.UTC || got.UpdatedAt != got.CreatedAt {
		t.Fatalf("courier %+v", got)
	}
	if _, err := newCourier(NewCourier{Name: strings.Repeat("é", 100)}, now); err != nil {
		t.Fatalf("a 100-character name: %v", err)
	}
}

func TestAvailabilityValid(t *testing.T) {
	cases := []struct {
		in   Availability
		want bool
	}{
		{Available, true}, {Busy, true}, {Offline, true},
		{"", false}, {"available", false}, {"ON_BREAK", false},
	}
	for _, c := range cases {
		if got := c.in.Valid(); got != c.want {
			t.Errorf("%q.Valid() = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestParseID(t *testing.T) {
	canonical := "019abc00-0000-7000-8000-0000000000c1"
	for _, in := range []string{canonical, strings.ToUpper(canonical), " " + canonical} {
		got, err := ParseID("id", in)
		if err != nil || got != canonical {
			t.Errorf("ParseID(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "7", "courier-1"} {
		if _, err := ParseID("id", in); apperr.CodeOf(err) != apperr.InvalidInput {
			t.Errorf("ParseID(%q): got %v, want INVALID_INPUT", in, err)
		}
	}
}
