package asset_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/jpeg"
	"image/png"
	"testing"

	"golang.org/x/image/webp"

	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
	"github.com/platterhq/platter/subgraphs/cloudmanager/mediatest"
)

// leaks are byte strings of the test images' metadata: none may survive.
var leaks = [][]byte{mediatest.GPSIFD, []byte("Exif\x00\x00"), []byte("GPSLatitude"), []byte("shot at home"), []byte("8BIM")}

func noLeaks(t *testing.T, data []byte) {
	t.Helper()
	for _, l := range leaks {
		if bytes.Contains(data, l) {
			t.Fatalf("stripped image still holds %q", l)
		}
	}
	if !bytes.Contains(data, mediatest.ICCProfile) {
		t.Fatal("the ICC profile was dropped")
	}
}

// samePixels decodes both images and compares them: stripping must not
// change the picture.
func samePixels(t *testing.T, decode func([]byte) (image.Image, error), a, b []byte) {
	t.Helper()
	ia, err := decode(a)
	if err != nil {
		t.Fatalf("decode original: %v", err)
	}
	ib, err := decode(b)
	if err != nil {
		t.Fatalf("decode stripped: %v", err)
	}
	if ia.Bounds() != ib.Bounds() {
		t.Fatalf("bounds %v vs %v", ia.Bounds(), ib.Bounds())
	}
	for y := ia.Bounds().Min.Y; y < ia.Bounds().Max.Y; y++ {
		for x := ia.Bounds().Min.X; x < ia.Bounds().Max.X; x++ {
			if ia.At(x, y) != ib.At(x, y) {
				t.Fatalf("pixel %d,%d changed", x, y)
			}
		}
	}
}

func reader(fn func(r *bytes.Reader) (image.Image, error)) func([]byte) (image.Image, error) {
	return func(b []byte) (image.Image, error) { return fn(bytes.NewReader(b)) }
}

func TestStripJPEG(t *testing.T) {
	in := mediatest.JPEGWithMetadata(t, 48, 32)
	if !bytes.Contains(in, mediatest.GPSIFD) {
		t.Fatal("the test image carries no GPS position")
	}
	out, err := asset.StripMetadata(in, "image/jpeg", "file")
	if err != nil {
		t.Fatal(err)
	}
	noLeaks(t, out)
	plain := mediatest.JPEG(t, 48, 32)
	// What is left is the plain encoding plus the ICC segment.
	if len(out) != len(plain)+4+14+len(mediatest.ICCProfile) || !bytes.HasSuffix(out, plain[2:]) {
		t.Fatalf("stripped to %d bytes; the plain image is %d", len(out), len(plain))
	}
	samePixels(t, reader(func(r *bytes.Reader) (image.Image, error) { return jpeg.Decode(r) }), in, out)
	again, err := asset.StripMetadata(out, "image/jpeg", "file")
	if err != nil || !bytes.Equal(again, out) {
		t.Fatalf("stripping twice changed the image: %v", err)
	}
	// Progressive and restart-interval JPEGs from the standard encoder
	// have nothing to strip and pass through unchanged.
	if got, err := asset.StripMetadata(plain, "image/jpeg", "file"); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("a plain JPEG changed: %v", err)
	}
}

func TestStripPNG(t *testing.T) {
	in := mediatest.PNGWithMetadata(t, 30, 20)
	if _, err := png.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("the test image does not decode: %v", err)
	}
	out, err := asset.StripMetadata(in, "image/png", "file")
	if err != nil {
		t.Fatal(err)
	}
	noLeaks(t, out)
	for _, chunk := range []string{"tEXt", "zTXt", "iTXt", "eXIf"} {
		if bytes.Contains(out, []byte(chunk)) {
			t.Fatalf("%s chunk kept", chunk)
		}
	}
	samePixels(t, reader(func(r *bytes.Reader) (image.Image, error) { return png.Decode(r) }), in, out)
	plain := mediatest.PNG(t, 30, 20)
	if got, err := asset.StripMetadata(append(plain, "trailing"...), "image/png", "file"); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("a plain PNG with trailing bytes: %v", err)
	}
}

func TestStripWebP(t *testing.T) {
	in := mediatest.WebPWithMetadata()
	if _, err := webp.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("the test image does not decode: %v", err)
	}
	out, err := asset.StripMetadata(in, "image/webp", "file")
	if err != nil {
		t.Fatal(err)
	}
	noLeaks(t, out)
	if bytes.Contains(out, []byte("EXIF")) || bytes.Contains(out, []byte("XMP ")) {
		t.Fatal("EXIF or XMP chunk kept")
	}
	if size := binary.LittleEndian.Uint32(out[4:]); int(size) != len(out)-8 {
		t.Fatalf("RIFF size %d for %d bytes", size, len(out))
	}
	if flags := out[20]; flags != 0x20 {
		t.Fatalf("VP8X flags %#x, want the ICC flag alone", flags)
	}
	samePixels(t, reader(func(r *bytes.Reader) (image.Image, error) { return webp.Decode(r) }), in, out)
	if got, err := asset.StripMetadata(mediatest.WebP, "image/webp", "file"); err != nil || !bytes.Equal(got, mediatest.WebP) {
		t.Fatalf("a simple WebP changed: %v", err)
	}
}

// Structures that run past the end of the file are refused, never read
// out of bounds.
func TestStripDamaged(t *testing.T) {
	jpg := mediatest.JPEGWithMetadata(t, 16, 16)
	pngData := mediatest.PNGWithMetadata(t, 16, 16)
	webpData := mediatest.WebPWithMetadata()
	cases := []struct {
		name, contentType string
		data              []byte
	}{
		{"jpeg cut in a segment", "image/jpeg", jpg[:30]},
		{"jpeg cut in the scan", "image/jpeg", mediatest.JPEG(t, 16, 16)[:400]},
		{"jpeg without SOI", "image/jpeg", jpg[2:]},
		{"png cut in a chunk", "image/png", pngData[:60]},
		{"png without IEND", "image/png", pngData[:len(pngData)-12]},
		{"webp with a chunk past the end", "image/webp", append(bytes.Clone(webpData[:16]), 0xFF, 0xFF, 0, 0)},
		{"webp with a RIFF size past the end", "image/webp", append([]byte("RIFF\xff\x00\x00\x00"), webpData[8:]...)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The lengths in the RIFF header must stay consistent for the
			// chunk case: fix it up.
			data := tc.data
			if tc.name == "webp with a chunk past the end" {
				binary.LittleEndian.PutUint32(data[4:], uint32(len(data)-8))
			}
			_, err := asset.StripMetadata(data, tc.contentType, "file")
			wantInvalid(t, err, "file", "damaged")
		})
	}
}

// An upload keeps no location: what is stored, and what its size says, is
// the stripped image.
func TestUploadStripsMetadata(t *testing.T) {
	f := newFixture(t)
	in := mediatest.JPEGWithMetadata(t, 40, 20)
	a, err := f.svc.Upload(context.Background(), customer, asset.PurposeAvatar, bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	stored := f.objects.data(a.Object())
	noLeaks(t, stored)
	if a.Bytes != int64(len(stored)) || a.Bytes >= int64(len(in)) || a.Width != 40 || a.Height != 20 {
		t.Fatalf("asset %+v; stored %d of %d bytes", a, len(stored), len(in))
	}
}
