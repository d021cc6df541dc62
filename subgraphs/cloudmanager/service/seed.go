package service

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"math"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
)

// The ids of three demo images, kept for callers that predate
// demo.LogoAssetID and demo.DishImageAssetID: Trattoria Platter's logo, the
// Margherita and the Tiramisu.
var (
	DemoVendorLogoID   = demo.LogoAssetID(demo.VendorID)
	DemoProductImageID = demo.DishImageAssetID(demo.MargheritaID)
	DemoDessertImageID = demo.DishImageAssetID(demo.TiramisuID)
)

// demoImage is one demo asset, drawn at seed time.
type demoImage struct {
	id, owner string
	purpose   asset.Purpose
	w, h      int
	label     string // its initial is drawn on the tile; its hash picks the colour
}

// demoImages are a logo for each demo vendor and an image for each of its
// dishes, owned by the vendor, under the ids the other seeds refer to.
func demoImages() []demoImage {
	var out []demoImage
	for _, v := range demo.Vendors {
		out = append(out, demoImage{demo.LogoAssetID(v.ID), v.ID, asset.PurposeVendorLogo, 256, 256, v.Name})
		for _, s := range v.Menu {
			for _, d := range s.Dishes {
				out = append(out, demoImage{demo.DishImageAssetID(d.ID), v.ID, asset.PurposeProductImage, 480, 320, d.Title})
			}
		}
	}
	return out
}

// Seed stores the demo images through the bucket (the emulator in dev
// mode), as real PNGs whose URLs open in a browser, unless they are there
// already: running it again stores nothing.
func Seed(ctx context.Context, svc *Service, log *slog.Logger) error {
	stored := 0
	for _, d := range demoImages() {
		data, err := d.png()
		if err != nil {
			return err
		}
		_, created, err := svc.Assets.EnsureImage(ctx, d.id, d.owner, d.purpose, data)
		if err != nil {
			return fmt.Errorf("demo image %s (%s): %w", d.id, d.label, err)
		}
		if created {
			stored++
		}
	}
	if stored > 0 {
		log.InfoContext(ctx, "demo images stored", "count", stored)
	}
	return nil
}

// png draws a tile of the label's colour with a round plate and the
// label's initial, large, in the middle.
func (d demoImage) png() ([]byte, error) {
	h := fnv.New32a()
	h.Write([]byte(d.label))
	hue := float64(h.Sum32()%360) / 360
	background := hsv(hue, 0.55, 0.80)
	plate := hsv(hue, 0.20, 0.98)
	ink := hsv(hue, 0.70, 0.45)

	img := image.NewNRGBA(image.Rect(0, 0, d.w, d.h))
	cx, cy := float64(d.w)/2, float64(d.h)/2
	r := math.Min(cx, cy) * 0.8
	for y := range d.h {
		for x := range d.w {
			c := background
			if math.Hypot(float64(x)-cx+0.5, float64(y)-cy+0.5) < r {
				c = plate
			}
			img.SetNRGBA(x, y, c)
		}
	}
	drawInitial(img, d.label, ink, int(r))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// drawInitial draws label's first letter, about size pixels tall, centred:
// the 7×13 bitmap font scaled up, so no font file is needed.
func drawInitial(img *image.NRGBA, label string, ink color.NRGBA, size int) {
	initial := "?"
	for _, r := range label {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			initial = string(unicode.ToUpper(r))
			break
		}
	}
	face := basicfont.Face7x13
	glyph := image.NewAlpha(image.Rect(0, 0, face.Width, face.Height))
	(&font.Drawer{Dst: glyph, Src: image.Opaque, Face: face, Dot: fixed.P(0, face.Ascent)}).DrawString(initial)
	scale := max(size/face.Height, 1)
	ox := (img.Bounds().Dx() - face.Width*scale) / 2
	oy := (img.Bounds().Dy() - face.Height*scale) / 2
	for y := range face.Height * scale {
		for x := range face.Width * scale {
			if glyph.AlphaAt(x/scale, y/scale).A > 0x80 {
				img.SetNRGBA(ox+x, oy+y, ink)
			}
		}
	}
}

// hsv converts a hue, saturation and value in [0, 1] to an opaque colour.
func hsv(h, s, v float64) color.NRGBA {
	i := math.Floor(h * 6)
	f := h*6 - i
	p, q, t := v*(1-s), v*(1-f*s), v*(1-(1-f)*s)
	var r, g, b float64
	switch int(i) % 6 {
	case 0:
		r, g, b = v, t, p
	case 1:
		r, g, b = q, v, p
	case 2:
		r, g, b = p, v, t
	case 3:
		r, g, b = p, q, v
	case 4:
		r, g, b = t, p, v
	default:
		r, g, b = v, p, q
	}
	return color.NRGBA{uint8(r * 255), uint8(g * 255), uint8(b * 255), 0xFF}
}
