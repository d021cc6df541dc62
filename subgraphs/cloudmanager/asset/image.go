package asset

import (
	"bufio"
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"

	"github.com/platterhq/platter/internal/apperr"
)

// Kind is what an image's bytes say it is.
type Kind struct {
	ContentType string
	Width       int
	Height      int
}

type format struct {
	contentType string
	name        string
	matches     func(head []byte) bool
	decode      func(io.Reader) (image.Config, error)
}

// formats are recognised by their magic numbers, then their header is
// decoded by the matching decoder alone: the bytes decide the type, never a
// file name or a declared type.
var formats = []format{
	{"image/jpeg", "JPEG", func(h []byte) bool { return bytes.HasPrefix(h, []byte{0xFF, 0xD8, 0xFF}) }, jpeg.DecodeConfig},
	{"image/png", "PNG", func(h []byte) bool { return bytes.HasPrefix(h, []byte("\x89PNG\r\n\x1a\n")) }, png.DecodeConfig},
	{"image/webp", "WebP", func(h []byte) bool {
		return len(h) >= 12 && string(h[:4]) == "RIFF" && string(h[8:12]) == "WEBP"
	}, webp.DecodeConfig},
}

// Inspect reads the start of r, as far as the image's header, and says
// what image it is. Bytes that are not a JPEG, PNG or WebP image, or whose
// header does not decode, are INVALID_INPUT naming field.
func Inspect(r io.Reader, field string) (Kind, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(12)
	if len(head) == 0 {
		if err != nil && err != io.EOF {
			return Kind{}, err
		}
		return Kind{}, apperr.Invalid(field, "is empty")
	}
	for _, f := range formats {
		if !f.matches(head) {
			continue
		}
		cfg, err := f.decode(br)
		if err != nil {
			return Kind{}, apperr.Invalid(field, "starts like a %s image but its header does not decode", f.name)
		}
		if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxDimension || cfg.Height > MaxDimension {
			return Kind{}, apperr.Invalid(field, "is %d×%d pixels; each side must be 1 to %d", cfg.Width, cfg.Height, MaxDimension)
		}
		return Kind{ContentType: f.contentType, Width: cfg.Width, Height: cfg.Height}, nil
	}
	return Kind{}, apperr.Invalid(field, "is not a JPEG, PNG or WebP image")
}
