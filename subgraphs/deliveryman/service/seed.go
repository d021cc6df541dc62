package service

import (
	"context"
	"log/slog"

	"github.com/platterhq/platter/subgraphs/deliveryman/courier"
)

var demoCouriers = []courier.NewCourier{{Name: "Dana Rider"}, {Name: "Eli Wheels"}}

// Seed adds the demo couriers to an empty store. Couriers have no natural
// key to match demo records by, so any courier already there means the
// store has been seeded or is in real use, and running it again adds
// nothing.
func Seed(ctx context.Context, svc *Service, log *slog.Logger) error {
	n, err := svc.Couriers.Count(ctx)
	if err != nil || n > 0 {
		return err
	}
	for _, in := range demoCouriers {
		c, err := svc.Couriers.Register(ctx, in)
		if err != nil {
			return err
		}
		log.InfoContext(ctx, "demo courier added", "courier_id", c.ID, "name", c.Name)
	}
	return nil
}
