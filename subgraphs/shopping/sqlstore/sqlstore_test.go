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
	"github.com/platterhq/platter/subgraphs/shopping/order"
	"github.com/platterhq/platter/subgraphs/shopping/sqlstore"
)

// Every test runs on SQLite, PostgreSQL and MariaDB: the same suite proves
// the engines behave alike.
func eachEngine(t *testing.T, test func(t *testing.T, s *sqlstore.Store)) {
	t.Helper()
	testenv.ForEachSQLEngine(t, sqlstore.Migrations(), func(t *testing.T, db *bun.DB) { test(t, sqlstore.New(db)) })
}

func newOrder(t *testing.T) order.Order {
	t.Helper()
	number, err := order.NewNumber()
	if err != nil {
		t.Fatal(err)
	}
	return order.Order{
		ID: uuid.Must(uuid.NewV7()).String(), Number: number,
		CustomerID: uuid.Must(uuid.NewV7()).String(), VendorID: uuid.Must(uuid.NewV7()).String(),
		Status: order.StatusPlaced,
		// Microseconds: the finest precision all three engines keep.
		PlacedAt: time.Now().UTC().Truncate(time.Microsecond),
	}
}

func TestCreateAndFind(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		want := newOrder(t)
		want.Status = order.StatusReadyForPickup
		if err := s.Create(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := s.ByID(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !sameButTime(got, want) || !got.PlacedAt.Equal(want.PlacedAt) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		if got.PlacedAt.Location() != time.UTC {
			t.Fatalf("placed at %v is not UTC", got.PlacedAt)
		}
		if _, err := s.ByID(ctx, uuid.Must(uuid.NewV7()).String()); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("unknown id: %v", err)
		}
	})
}

// sameButTime compares orders field by field, leaving the time to Equal
// (a time read back carries no monotonic clock reading).
func sameButTime(a, b order.Order) bool {
	a.PlacedAt, b.PlacedAt = time.Time{}, time.Time{}
	return a == b
}

func TestTakenIDOrNumberIsConflict(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		first := newOrder(t)
		if err := s.Create(ctx, first); err != nil {
			t.Fatal(err)
		}
		sameID := newOrder(t)
		sameID.ID = first.ID
		if err := s.Create(ctx, sameID); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("taken id: got %v, want CONFLICT", err)
		}
		sameNumber := newOrder(t)
		sameNumber.Number = first.Number
		if err := s.Create(ctx, sameNumber); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("taken number: got %v, want CONFLICT", err)
		}
		if _, err := s.ByID(ctx, sameNumber.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("the refused order was stored: %v", err)
		}
	})
}

func TestByIDs(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		var ids []string
		for range 3 {
			o := newOrder(t)
			if err := s.Create(ctx, o); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.ID)
		}
		got, err := s.ByIDs(ctx, []string{ids[2], "missing", ids[0]})
		if err != nil {
			t.Fatal(err)
		}
		var gotIDs []string
		for _, o := range got {
			gotIDs = append(gotIDs, o.ID)
		}
		sort.Strings(gotIDs)
		want := []string{ids[0], ids[2]}
		sort.Strings(want)
		if len(gotIDs) != 2 || gotIDs[0] != want[0] || gotIDs[1] != want[1] {
			t.Fatalf("got %v, want %v", gotIDs, want)
		}
		if none, err := s.ByIDs(ctx, nil); err != nil || len(none) != 0 {
			t.Fatalf("no ids: %v %v", none, err)
		}
	})
}
