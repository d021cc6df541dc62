package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/platterhq/platter/subgraphs/shopping/order"
)

// The demo ids are fixed so that seeding twice adds nothing and so that the
// other subgraphs' demo data can refer to the same customer, vendor and
// orders (feedback reviews the delivered one).
const (
	demoCustomerID       = "01966b2e-0000-7000-8000-00000000c001"
	demoVendorID         = "01966b2e-0000-7000-8000-00000000f001"
	demoDeliveredOrderID = "01966b2e-0000-7000-8000-00000000a001"
	demoPlacedOrderID    = "01966b2e-0000-7000-8000-00000000a002"
)

// Seed stores the demo orders that do not exist yet: one delivered
// yesterday, one just placed.
func Seed(ctx context.Context, svc *Service, log *slog.Logger) error {
	now := time.Now().UTC()
	demo := []order.Order{
		{ID: demoDeliveredOrderID, CustomerID: demoCustomerID, VendorID: demoVendorID, Status: order.StatusDelivered, PlacedAt: now.Add(-24 * time.Hour)},
		{ID: demoPlacedOrderID, CustomerID: demoCustomerID, VendorID: demoVendorID, Status: order.StatusPlaced, PlacedAt: now},
	}
	for _, o := range demo {
		number, err := order.NewNumber()
		if err != nil {
			return err
		}
		o.Number = number
		stored, created, err := svc.Orders.EnsureOrder(ctx, o)
		if err != nil {
			return err
		}
		if created {
			log.InfoContext(ctx, "demo order created", "order_id", stored.ID, "number", stored.Number)
		}
	}
	return nil
}
