package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/subgraphs/shopping/order"
)

// Seed stores the demo orders that do not exist yet: one delivered
// yesterday, one just placed.
func Seed(ctx context.Context, svc *Service, log *slog.Logger) error {
	now := time.Now().UTC()
	demo := []order.Order{
		{ID: demo.DeliveredOrderID, CustomerID: demo.CustomerID, VendorID: demo.VendorID, Status: order.StatusDelivered, PlacedAt: now.Add(-24 * time.Hour)},
		{ID: demo.PlacedOrderID, CustomerID: demo.CustomerID, VendorID: demo.VendorID, Status: order.StatusPlaced, PlacedAt: now},
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
