package service

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// DemoApplicant is the demo vendor that applied and waits for an admin, so
// the approval flow can be tried; it signs in with demo.Password.
var DemoApplicant = struct{ ID, Name, Email string }{
	ID: "01966b2e-0000-7000-8000-00000000f0a1", Name: "Pasta Fresca", Email: "applicant@platter.local",
}

// DemoSignIn is one demo vendor account, for the launcher to print.
type DemoSignIn struct {
	Name, Email, Status string
}

// DemoSignIns are the demo vendor accounts; each signs in with
// demo.Password.
func DemoSignIns() []DemoSignIn {
	out := make([]DemoSignIn, 0, len(demo.Vendors)+1)
	for _, d := range demo.Vendors {
		out = append(out, DemoSignIn{Name: d.Name, Email: d.Email, Status: string(vendorprofile.StatusApproved)})
	}
	return append(out, DemoSignIn{Name: DemoApplicant.Name, Email: DemoApplicant.Email, Status: string(vendorprofile.StatusPending)})
}

// Seed adds the demo vendors through the same rules as the API: each
// applies, is approved, and sets its hours, logo and switch as its owner
// would. Running it again changes nothing, not even a demo vendor an admin
// has since suspended: only a vendor still pending (created now, or by a
// run that stopped half way) is completed.
func Seed(ctx context.Context, svc *Service, log *slog.Logger) error {
	for _, d := range demo.Vendors {
		if err := seedVendor(ctx, svc, log, d); err != nil {
			return fmt.Errorf("demo vendor %s: %w", d.Name, err)
		}
	}
	_, created, err := svc.Vendors.Ensure(ctx, DemoApplicant.ID, vendorprofile.Application{
		Name: DemoApplicant.Name, About: "Fresh pasta made every morning; waiting for approval.",
		Email: DemoApplicant.Email, Password: demo.Password, Phone: "+39 02 1234 5699",
		Address: "Via Dante 7, 20121 Milano, Italy", Location: &vendorprofile.GeoPoint{Lat: 45.4666, Lng: 9.1856},
		TimeZone: "Europe/Rome",
	})
	if err != nil {
		return fmt.Errorf("demo applicant: %w", err)
	}
	if created {
		log.InfoContext(ctx, "demo vendor applicant created", "vendor_id", DemoApplicant.ID)
	}
	return nil
}

func seedVendor(ctx context.Context, svc *Service, log *slog.Logger, d demo.Vendor) error {
	v, created, err := svc.Vendors.Ensure(ctx, d.ID, vendorprofile.Application{
		Name: d.Name, About: d.About, Email: d.Email, Password: demo.Password, Phone: d.Phone,
		Address: d.Address, Location: &vendorprofile.GeoPoint{Lat: d.Lat, Lng: d.Lng}, TimeZone: d.TimeZone,
	})
	if err != nil {
		return err
	}
	if v.Status != vendorprofile.StatusPending {
		return nil
	}
	owner := auth.Identity{Subject: d.ID, Roles: []auth.Role{auth.RoleVendor}}
	ranges := make([]vendorprofile.RangeText, len(d.Hours))
	for i, h := range d.Hours {
		if ranges[i], err = vendorprofile.ParseRange(h); err != nil {
			return err
		}
	}
	days := make([]vendorprofile.DayHours, 0, 7)
	for day := range 7 {
		days = append(days, vendorprofile.DayHours{Day: time.Weekday(day), Ranges: ranges})
	}
	if _, err := svc.Vendors.SetOpeningHours(ctx, owner, days); err != nil {
		return err
	}
	logo := demo.LogoAssetID(d.ID)
	if _, err := svc.Vendors.UpdateProfile(ctx, owner, vendorprofile.ProfileChange{LogoAssetID: &logo}); err != nil {
		return err
	}
	if _, err := svc.Vendors.Approve(ctx, d.ID); err != nil {
		return err
	}
	if _, err := svc.Vendors.SetOpen(ctx, owner, d.Open); err != nil {
		return err
	}
	if created {
		log.InfoContext(ctx, "demo vendor created", "vendor_id", d.ID, "name", d.Name)
	}
	return nil
}
