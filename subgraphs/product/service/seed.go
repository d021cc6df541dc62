package service

import (
	"context"
	"log/slog"

	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/subgraphs/product/catalog"
)

var demoProducts = []catalog.NewProduct{
	{ID: demo.MargheritaID, VendorID: demo.VendorID, Title: "Margherita", Description: "Tomato, mozzarella and basil on a wood-fired base.", Available: true},
	{ID: demo.TiramisuID, VendorID: demo.VendorID, Title: "Tiramisu", Description: "Mascarpone, espresso-soaked savoiardi and cocoa.", Available: true},
}

// Seed adds the demo products that are not there yet, matched by vendor and
// title; running it again adds nothing.
func Seed(ctx context.Context, svc *Service, log *slog.Logger) error {
	for _, in := range demoProducts {
		p, created, err := svc.Catalog.Ensure(ctx, in)
		if err != nil {
			return err
		}
		if created {
			log.InfoContext(ctx, "demo product added", "product_id", p.ID, "title", p.Title)
		}
	}
	return nil
}
