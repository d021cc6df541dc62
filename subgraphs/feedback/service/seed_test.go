package service

import (
	"context"
	"testing"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/feedback/review"
)

func TestSeedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	svc, err := Open(ctx, config.Feedback{Auth: testenv.Keys(t).Issuer(), SQL: config.SQL{URL: testenv.SQLite(t)}}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)

	seedAndRead := func() []review.Review {
		t.Helper()
		if err := Seed(ctx, svc, logging.Discard()); err != nil {
			t.Fatal(err)
		}
		var out []review.Review
		for _, target := range []struct {
			typ review.TargetType
			id  string
		}{{review.TargetVendor, demo.VendorID}, {review.TargetCourier, demo.CourierID}} {
			// A probe for the same order and target finds the stored review
			// and adds nothing.
			r, created, err := svc.Reviews.EnsureReview(ctx, review.Draft{
				AuthorID: demo.CustomerID, OrderID: demo.DeliveredOrderID, TargetType: target.typ, TargetID: target.id,
				Rating: 1, Comment: "probe",
			})
			if err != nil || created {
				t.Fatalf("demo %s review missing after seeding: created %v, %v", target.typ, created, err)
			}
			out = append(out, r)
		}
		return out
	}
	first, again := seedAndRead(), seedAndRead()
	for i := range first {
		if again[i].ID != first[i].ID || again[i].Rating != first[i].Rating || first[i].Rating == 1 {
			t.Fatalf("demo review %d: first %+v, then %+v", i, first[i], again[i])
		}
	}
}
