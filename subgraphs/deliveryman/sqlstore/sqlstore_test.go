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
	"github.com/platterhq/platter/subgraphs/deliveryman/courier"
	"github.com/platterhq/platter/subgraphs/deliveryman/sqlstore"
)

// forEachEngine runs test against a fresh, migrated store on SQLite,
// PostgreSQL and MariaDB: the same suite proves the engines behave alike.
// The test also gets the database, to write what the store never would.
func forEachEngine(t *testing.T, test func(t *testing.T, s *sqlstore.Store, db *bun.DB)) {
	t.Helper()
	testenv.ForEachSQLEngine(t, sqlstore.Migrations(), func(t *testing.T, db *bun.DB) { test(t, sqlstore.New(db), db) })
}

func newCourier(name string, a courier.Availability) courier.Courier {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return courier.Courier{ID: uuid.Must(uuid.NewV7()).String(), Name: name, Availability: a, CreatedAt: now, UpdatedAt: now}
}

func TestCreateAndFind(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store, _ *bun.DB) {
		ctx := context.Background()
		for _, a := range []courier.Availability{courier.Available, courier.Busy, courier.Offline} {
			want := newCourier("Ada Lövelace 'A'", a)
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
		}
		if _, err := s.ByID(ctx, uuid.Must(uuid.NewV7()).String()); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("unknown id: %v", err)
		}
	})
}

func TestAvailabilityColumn(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store, db *bun.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		id := uuid.Must(uuid.NewV7()).String()
		if _, err := db.ExecContext(ctx, "INSERT INTO couriers (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", id, "Bo", now, now); err != nil {
			t.Fatal(err)
		}
		got, err := s.ByID(ctx, id)
		if err != nil || got.Availability != courier.Offline {
			t.Fatalf("a courier written without availability reads %+v, %v; want OFFLINE", got, err)
		}
		bad := uuid.Must(uuid.NewV7()).String()
		if _, err := db.ExecContext(ctx, "INSERT INTO couriers (id, name, availability, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", bad, "Cy", "ON_BREAK", now, now); err == nil {
			t.Fatal("the table accepted an unknown availability")
		}
	})
}

func TestByIDsAndCount(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store, _ *bun.DB) {
		ctx := context.Background()
		if n, err := s.Count(ctx); err != nil || n != 0 {
			t.Fatalf("count of an empty store: %d, %v", n, err)
		}
		var ids []string
		for _, name := range []string{"a", "b", "c"} {
			c := newCourier(name, courier.Offline)
			if err := s.Create(ctx, c); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		if n, err := s.Count(ctx); err != nil || n != 3 {
			t.Fatalf("count: %d, %v", n, err)
		}
		got, err := s.ByIDs(ctx, []string{ids[2], uuid.Must(uuid.NewV7()).String(), ids[0]})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range got {
			names = append(names, c.Name)
		}
		sort.Strings(names)
		if len(names) != 2 || names[0] != "a" || names[1] != "c" {
			t.Fatalf("got %v", names)
		}
		if got, err := s.ByIDs(ctx, nil); err != nil || len(got) != 0 {
			t.Fatalf("no ids: %v %v", got, err)
		}
	})
}
