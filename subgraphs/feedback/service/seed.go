package service

import (
	"context"
	"log/slog"

	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/subgraphs/feedback/review"
)

// Seed stores the demo reviews that do not exist yet. The unique index on
// order and target makes it idempotent.
func Seed(ctx context.Context, svc *Service, log *slog.Logger) error {
	demo := []review.Draft{
		{
			AuthorID: demo.CustomerID, OrderID: demo.DeliveredOrderID,
			TargetType: review.TargetVendor, TargetID: demo.VendorID,
			Rating: 5, Comment: "Generous portions and still hot on arrival.",
		},
		{
			AuthorID: demo.CustomerID, OrderID: demo.DeliveredOrderID,
			TargetType: review.TargetCourier, TargetID: demo.CourierID,
			Rating: 4, Comment: "Quick and friendly, called when outside.",
		},
	}
	for _, d := range demo {
		r, created, err := svc.Reviews.EnsureReview(ctx, d)
		if err != nil {
			return err
		}
		if created {
			log.InfoContext(ctx, "demo review created", "review_id", r.ID, "target_type", r.TargetType)
		}
	}
	return nil
}
