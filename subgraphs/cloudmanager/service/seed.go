package service

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"math"

	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
)

// The demo assets' ids are fixed so that other subgraphs' demo data can
// refer to them.
const (
	DemoVendorLogoID   = "01936b2a-4c00-7a00-8000-00000000c001"
	DemoProductImageID = "01936b2a-4c00-7a00-8000-00000000c002" // the Margherita
	DemoDessertImageID = "01936b2a-4c00-7a00-8000-00000000c003" // the Tiramisu
)

// demoOwner uploads the demo images: no real account does.
const demoOwner = "platter-demo"

// demoImage is drawn at seed time: a plate of a colour on a background.
type demoImage struct {
	id         string
	purpose    asset.Purpose
	w, h       int
	background color.NRGBA
	plate      color.NRGBA
}

var demoImages = []demoImage{
	{DemoVendorLogoID, asset.PurposeVendorLogo, 256, 256, color.NRGBA{0xFF, 0xF4, 0xE0, 0xFF}, color.NRGBA{0xC0, 0x39, 0x2B, 0xFF}},
	{DemoProductImageID, asset.PurposeProductImage, 480, 320, color.NRGBA{0x2E, 0x7D, 0x32, 0xFF}, color.NRGBA{0xE5, 0x3E, 0x2E, 0xFF}},
	{DemoDessertImageID, asset.PurposeProductImage, 480, 320, color.NRGBA{0x5D, 0x40, 0x37, 0xFF}, color.NRGBA{0xF3, 0xE5, 0xAB, 0xFF}},
}

// Seed stores the demo images in the bucket, as real PNGs whose URLs open
// in a browser, unless they are there; running it again adds nothing.
func Seed(ctx context.Context, svc *Service, log *slog.Logger) error {
	for _, d := range demoImages {
		data, err := d.png()
		if err != nil {
			return err
		}
		a, created, err := svc.Assets.EnsureImage(ctx, d.id, demoOwner, d.purpose, data)
		if err != nil {
			return fmt.Errorf("demo image %s: %w", d.id, err)
		}
		if created {
			log.InfoContext(ctx, "demo image stored", "asset_id", a.ID, "purpose", string(a.Purpose), "bytes", a.Bytes)
		}
	}
	return nil
}

// png draws a round plate with a rim, centred, shaded towards its edge.
func (d demoImage) png() ([]byte, error) {
	img := image.NewNRGBA(image.Rect(0, 0, d.w, d.h))
	cx, cy := float64(d.w)/2, float64(d.h)/2
	r := math.Min(cx, cy) * 0.8
	for y := range d.h {
		for x := range d.w {
			dist := math.Hypot(float64(x)-cx, float64(y)-cy)
			c := d.background
			switch {
			case dist < r*0.8:
				shade := 1 - 0.25*dist/r
				c = color.NRGBA{uint8(float64(d.plate.R) * shade), uint8(float64(d.plate.G) * shade), uint8(float64(d.plate.B) * shade), 0xFF}
			case dist < r:
				c = color.NRGBA{0xFA, 0xFA, 0xFA, 0xFF}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
