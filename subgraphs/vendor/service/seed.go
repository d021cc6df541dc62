package service

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// DemoGreenBowlID is a second demo vendor, approved but closed, that
// nothing else refers to. The first is demo.VendorID, whose menu the
// product subgraph seeds.
const DemoGreenBowlID = "01966b2e-0000-7000-8000-00000000f002"

var demoVendors = []struct {
	id      string
	profile vendorprofile.Profile
	open    bool
}{
	{demo.VendorID, vendorprofile.Profile{Name: "Trattoria Platter", About: "Wood-fired pizza and Italian desserts, made to order."}, true},
	{DemoGreenBowlID, vendorprofile.Profile{Name: "Green Bowl", About: "Salads and grain bowls with seasonal vegetables."}, false},
}

// Seed adds the demo vendors, approved, unless they exist. Running it again
// changes nothing, not even a demo vendor an admin has since suspended.
func Seed(ctx context.Context, svc *Service, log *slog.Logger) error {
	for _, d := range demoVendors {
		v, created, err := svc.Vendors.Ensure(ctx, d.id, d.profile)
		if err != nil {
			return fmt.Errorf("demo vendor %s: %w", d.profile.Name, err)
		}
		// Still pending: created now, or by a run that stopped half way.
		if v.Status == vendorprofile.StatusPending {
			if _, err := svc.Vendors.Approve(ctx, d.id); err != nil {
				return fmt.Errorf("approve demo vendor %s: %w", d.profile.Name, err)
			}
			if _, err := svc.Vendors.SetOpen(ctx, d.id, d.open); err != nil {
				return fmt.Errorf("open demo vendor %s: %w", d.profile.Name, err)
			}
		}
		if created {
			log.InfoContext(ctx, "demo vendor created", "vendor_id", v.ID, "name", v.Name)
		}
	}
	return nil
}
