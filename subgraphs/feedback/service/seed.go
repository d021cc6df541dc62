package service

import (
	"context"
	"log/slog"

	"github.com/platterhq/platter/subgraphs/feedback/review"
)

// The demo ids are those of the shopping subgraph's demo data: its demo
// customer reviews the vendor and the courier of its delivered demo order.
const (
	demoCustomerID       = "01966b2e-0000-7000-8000-00000000c001"
	demoVendorID         = "01966b2e-0000-7000-8000-00000000f001"
	demoCourierID        = "01966b2e-0000-7000-8000-00000000d001"
	demoDeliveredOrderID = "01966b2e-0000-7000-8000-00000000a001"
)

// Seed stores the demo reviews that do not exist yet. The unique index on
// order and target makes it idempotent.
func Seed(ctx context.Context, svc *Service, log *slog.Logger) error {
	demo := []review.Draft{
		{
			AuthorID: demoCustomerID, OrderID: demoDeliveredOrderID,
			TargetType: review.TargetVendor, TargetID: demoVendorID,
			Rating: 5, Comment: "Generous portions and still hot on arrival.",
		},
		{
			AuthorID: demoCustomerID, OrderID: demoDeliveredOrderID,
			TargetType: review.TargetCourier, TargetID: demoCourierID,
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
