package sqlstore_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/feedback/review"
	"github.com/platterhq/platter/subgraphs/feedback/sqlstore"
)

// Every test runs on SQLite, PostgreSQL and MariaDB: the same suite proves
// the engines behave alike.
func eachEngine(t *testing.T, test func(t *testing.T, s *sqlstore.Store)) {
	t.Helper()
	testenv.ForEachSQLEngine(t, sqlstore.Migrations(), func(t *testing.T, db *bun.DB) { test(t, sqlstore.New(db)) })
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func newReview(orderID string, tt review.TargetType, targetID string) review.Review {
	return review.Review{
		ID: newID(), AuthorID: newID(), OrderID: orderID, TargetType: tt, TargetID: targetID,
		Rating: 4, Comment: "Crisp fries, warm naan — merci!",
		// Microseconds: the finest precision all three engines keep.
		CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
	}
}

func TestCreateAndFind(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		want := newReview(newID(), review.TargetProduct, newID())
		want.Comment = strings.Repeat("é", review.MaxCommentLength)
		if err := s.Create(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := s.ByID(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !sameButTime(got, want) || !got.CreatedAt.Equal(want.CreatedAt) || got.CreatedAt.Location() != time.UTC {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		byTarget, err := s.ByOrderTarget(ctx, want.OrderID, want.TargetType, want.TargetID)
		if err != nil || byTarget.ID != want.ID {
			t.Fatalf("by order target: %v %+v", err, byTarget)
		}
		if _, err := s.ByID(ctx, newID()); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("unknown id: %v", err)
		}
		if _, err := s.ByOrderTarget(ctx, want.OrderID, review.TargetVendor, want.TargetID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("unknown target: %v", err)
		}
	})
}

// sameButTime compares reviews field by field, leaving the time to Equal
// (a time read back carries no monotonic clock reading).
func sameButTime(a, b review.Review) bool {
	a.CreatedAt, b.CreatedAt = time.Time{}, time.Time{}
	return a == b
}

func TestOneReviewPerTargetOfAnOrder(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		orderID, vendorID, courierID := newID(), newID(), newID()
		first := newReview(orderID, review.TargetVendor, vendorID)
		if err := s.Create(ctx, first); err != nil {
			t.Fatal(err)
		}
		again := newReview(orderID, review.TargetVendor, vendorID)
		if err := s.Create(ctx, again); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("second review of the vendor: got %v, want CONFLICT", err)
		}
		if _, err := s.ByID(ctx, again.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("the refused review was stored: %v", err)
		}
		// Other targets of the same order, and the same vendor on another
		// order, are separate reviews.
		for _, r := range []review.Review{
			newReview(orderID, review.TargetCourier, courierID),
			newReview(orderID, review.TargetProduct, vendorID),
			newReview(newID(), review.TargetVendor, vendorID),
		} {
			if err := s.Create(ctx, r); err != nil {
				t.Fatalf("%s %s: %v", r.TargetType, r.TargetID, err)
			}
		}
	})
}

func TestDatabaseRefusesRatingOutOfRange(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		for _, rating := range []int{0, 6} {
			r := newReview(newID(), review.TargetVendor, newID())
			r.Rating = rating
			if err := s.Create(context.Background(), r); err == nil {
				t.Fatalf("rating %d was stored", rating)
			}
		}
	})
}

func TestByIDs(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		var ids []string
		for range 3 {
			r := newReview(newID(), review.TargetVendor, newID())
			if err := s.Create(ctx, r); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		got, err := s.ByIDs(ctx, []string{ids[2], "missing", ids[0]})
		if err != nil {
			t.Fatal(err)
		}
		var gotIDs []string
		for _, r := range got {
			gotIDs = append(gotIDs, r.ID)
		}
		sort.Strings(gotIDs)
		want := []string{ids[0], ids[2]}
		sort.Strings(want)
		if strings.Join(gotIDs, ",") != strings.Join(want, ",") {
			t.Fatalf("got %v, want %v", gotIDs, want)
		}
		if none, err := s.ByIDs(ctx, nil); err != nil || len(none) != 0 {
			t.Fatalf("no ids: %v %v", none, err)
		}
	})
}
