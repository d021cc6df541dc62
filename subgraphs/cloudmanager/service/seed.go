package service

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
)

// The demo assets' ids are fixed so that other subgraphs' demo data can
// refer to them.
const (
	DemoVendorLogoID   = "01936b2a-4c00-7a00-8000-00000000c001"
	DemoProductImageID = "01936b2a-4c00-7a00-8000-00000000c002"
)

// demoOwner uploads the demo images: no real account does.
const demoOwner = "platter-demo"

var demoAssets = []struct {
	id  string
	img asset.Image
}{
	{DemoVendorLogoID, asset.Image{Purpose: asset.PurposeVendorLogo, ContentType: "image/png", Bytes: 18_432, Width: 512, Height: 512}},
	{DemoProductImageID, asset.Image{Purpose: asset.PurposeProductImage, ContentType: "image/jpeg", Bytes: 96_256, Width: 1200, Height: 800}},
}

// Seed records the demo assets' metadata unless it exists; running it again
// adds nothing.
func Seed(ctx context.Context, svc *Service, log *slog.Logger) error {
	for _, d := range demoAssets {
		a, created, err := svc.Assets.Ensure(ctx, d.id, demoOwner, d.img)
		if err != nil {
			return fmt.Errorf("demo asset %s: %w", d.id, err)
		}
		if created {
			log.InfoContext(ctx, "demo asset created", "asset_id", a.ID, "purpose", string(a.Purpose))
		}
	}
	return nil
}
