package sqlstore_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/product/catalog"
	"github.com/platterhq/platter/subgraphs/product/sqlstore"
)

// forEachEngine runs test against a fresh, migrated store on SQLite,
// PostgreSQL and MariaDB: the same suite proves the engines behave alike.
func forEachEngine(t *testing.T, test func(t *testing.T, s *sqlstore.Store)) {
	t.Helper()
	testenv.ForEachSQLEngine(t, sqlstore.Migrations(), func(t *testing.T, db *bun.DB) { test(t, sqlstore.New(db)) })
}

func product(vendorID, title string) catalog.Product {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return catalog.Product{
		ID: uuid.Must(uuid.NewV7()).String(), VendorID: vendorID, Title: title,
		Description: "with rice, ünïcode & 'quotes'", Available: true, CreatedAt: now, UpdatedAt: now,
	}
}

func TestCreateAndFind(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		want := product("v1", "Pad Thai")
		if err := s.Create(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := s.ByID(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		if got.CreatedAt.Location() != time.UTC {
			t.Fatalf("created_at in %v, want UTC", got.CreatedAt.Location())
		}
		off := product("v1", "Green Curry")
		off.Available = false
		if err := s.Create(ctx, off); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ByID(ctx, off.ID); err != nil || got.Available {
			t.Fatalf("unavailable product read back as %+v, %v", got, err)
		}
		if _, err := s.ByID(ctx, uuid.Must(uuid.NewV7()).String()); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("unknown id: %v", err)
		}
	})
}

func TestTitleIsUniquePerVendor(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		first := product("v1", "Pad Thai")
		if err := s.Create(ctx, first); err != nil {
			t.Fatal(err)
		}
		dup := product("v1", "PAD THAI")
		err := s.Create(ctx, dup)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.Conflict || e.Field != "title" {
			t.Fatalf("got %v, want CONFLICT on title", err)
		}
		if _, err := s.ByID(ctx, dup.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("the refused product was stored: %v", err)
		}
		if err := s.Create(ctx, product("v2", "Pad Thai")); err != nil {
			t.Fatalf("another vendor's menu: %v", err)
		}
		// Accents make a different dish on every engine, whatever the
		// collation MySQL would otherwise apply.
		if err := s.Create(ctx, product("v1", "Pâd Thai")); err != nil {
			t.Fatalf("accented title: %v", err)
		}
		got, err := s.ByVendorTitle(ctx, "v1", "  pad   THAI ")
		if err != nil || got.ID != first.ID {
			t.Fatalf("by vendor and title: %v %+v", err, got)
		}
		if _, err := s.ByVendorTitle(ctx, "v3", "Pad Thai"); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("unknown vendor: %v", err)
		}
	})
}

func TestByIDs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		var ids []string
		for _, title := range []string{"a", "b", "c"} {
			p := product("v1", title)
			if err := s.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		got, err := s.ByIDs(ctx, []string{ids[2], uuid.Must(uuid.NewV7()).String(), ids[0]})
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, p := range got {
			titles = append(titles, p.Title)
		}
		sort.Strings(titles)
		if len(titles) != 2 || titles[0] != "a" || titles[1] != "c" {
			t.Fatalf("got %v", titles)
		}
		if got, err := s.ByIDs(ctx, nil); err != nil || len(got) != 0 {
			t.Fatalf("no ids: %v %v", got, err)
		}
	})
}
