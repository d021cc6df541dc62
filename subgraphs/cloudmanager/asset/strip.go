package asset

import (
	"bytes"
	"encoding/binary"

	"github.com/platterhq/platter/internal/apperr"
)

// StripMetadata returns the image data of contentType without the metadata
// a camera or an editor writes into it: EXIF (which holds the GPS position
// where a photo was taken), XMP, IPTC and text comments. The pixels are
// not decoded or re-encoded: whole blocks of the file are dropped, the
// rest is copied byte for byte, so the image looks the same and keeps its
// quality. The ICC colour profile is kept, since without it colours shift.
// Bytes after the image's end (where some phones append more images, each
// with its own EXIF) are dropped too.
//
// A file whose structure runs past its end is INVALID_INPUT on field.
func StripMetadata(data []byte, contentType, field string) ([]byte, error) {
	var (
		out []byte
		ok  bool
	)
	switch contentType {
	case "image/jpeg":
		out, ok = stripJPEG(data)
	case "image/png":
		out, ok = stripPNG(data)
	case "image/webp":
		out, ok = stripWebP(data)
	default:
		return nil, apperr.Invalid(field, "must be image/jpeg, image/png or image/webp")
	}
	if !ok {
		return nil, apperr.Invalid(field, "is a damaged %s image: its structure runs past the end of the file", contentType)
	}
	return out, nil
}

// JPEG markers that matter here.
const (
	jpegSOI  = 0xD8
	jpegEOI  = 0xD9
	jpegSOS  = 0xDA
	jpegAPP1 = 0xE1 // Exif, XMP, extended XMP
	jpegAPP2 = 0xE2 // ICC profile, or a multi-picture index
	jpegAPPD = 0xED // Photoshop resources, IPTC
	jpegCOM  = 0xFE
)

// stripJPEG copies the JPEG's segments but metadata, up to its EOI.
func stripJPEG(data []byte) ([]byte, bool) {
	if len(data) < 2 || data[0] != 0xFF || data[1] != jpegSOI {
		return nil, false
	}
	out := make([]byte, 0, len(data))
	out = append(out, 0xFF, jpegSOI)
	i := 2
	for {
		// Markers may be preceded by any number of 0xFF fill bytes.
		for i < len(data) && data[i] == 0xFF && i+1 < len(data) && data[i+1] == 0xFF {
			i++
		}
		if i+1 >= len(data) || data[i] != 0xFF {
			return nil, false
		}
		marker := data[i+1]
		if marker == jpegEOI {
			return append(out, 0xFF, jpegEOI), true
		}
		if marker == 0x01 || marker >= 0xD0 && marker <= 0xD7 { // no length
			out = append(out, 0xFF, marker)
			i += 2
			continue
		}
		if i+4 > len(data) {
			return nil, false
		}
		end := i + 2 + int(binary.BigEndian.Uint16(data[i+2:]))
		if end > len(data) || end < i+4 {
			return nil, false
		}
		if !jpegMetadata(marker, data[i+4:end]) {
			out = append(out, data[i:end]...)
		}
		i = end
		if marker != jpegSOS {
			continue
		}
		// Entropy-coded data runs to the next marker: 0xFF is followed
		// there by 0x00 (a stuffed byte), a restart marker or fill.
		start := i
		for i+1 < len(data) {
			if data[i] == 0xFF && data[i+1] != 0 && data[i+1] != 0xFF && (data[i+1] < 0xD0 || data[i+1] > 0xD7) {
				break
			}
			i++
		}
		if i+1 >= len(data) {
			return nil, false
		}
		out = append(out, data[start:i]...)
	}
}

// jpegMetadata reports whether a segment of marker with payload is
// metadata to drop. An APP2 segment is kept only when it holds the ICC
// profile: the others index appended images.
func jpegMetadata(marker byte, payload []byte) bool {
	switch marker {
	case jpegAPP1, jpegAPPD, jpegCOM:
		return true
	case jpegAPP2:
		return !bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00"))
	}
	return false
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// pngMetadata are the chunks that carry text and EXIF.
var pngMetadata = map[string]bool{"tEXt": true, "zTXt": true, "iTXt": true, "eXIf": true}

// stripPNG copies the PNG's chunks but metadata, up to IEND. Each chunk
// carries its own CRC, so dropping one leaves the others valid.
func stripPNG(data []byte) ([]byte, bool) {
	if !bytes.HasPrefix(data, pngSignature) {
		return nil, false
	}
	out := make([]byte, 0, len(data))
	out = append(out, pngSignature...)
	for i := len(pngSignature); ; {
		// length, type, data, CRC
		if i+12 > len(data) {
			return nil, false
		}
		n := int(binary.BigEndian.Uint32(data[i:]))
		if n > len(data)-i-12 {
			return nil, false
		}
		end := i + 12 + n
		typ := string(data[i+4 : i+8])
		if !pngMetadata[typ] {
			out = append(out, data[i:end]...)
		}
		if typ == "IEND" {
			return out, true
		}
		i = end
	}
}

// WebP's extended header flags (in the first byte of the VP8X chunk).
const (
	webpFlagEXIF = 0x08
	webpFlagXMP  = 0x04
)

// stripWebP copies the RIFF chunks but EXIF and XMP, clears their flags in
// the VP8X header and sets the RIFF size to what is left.
func stripWebP(data []byte) ([]byte, bool) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, false
	}
	size := int(binary.LittleEndian.Uint32(data[4:]))
	if size < 4 || size > len(data)-8 {
		return nil, false
	}
	data = data[:8+size] // bytes past the RIFF container are not the image's
	out := make([]byte, 12, len(data))
	copy(out, data[:12])
	for i := 12; i < len(data); {
		if i+8 > len(data) {
			return nil, false
		}
		fourCC := string(data[i : i+4])
		n := int(binary.LittleEndian.Uint32(data[i+4:]))
		end := i + 8 + n + n%2 // chunks are padded to an even size
		if n > len(data)-i-8 {
			return nil, false
		}
		end = min(end, len(data)) // a missing final pad byte is tolerated
		switch fourCC {
		case "EXIF", "XMP ":
		case "VP8X":
			start := len(out)
			out = append(out, data[i:end]...)
			if n > 0 {
				out[start+8] &^= webpFlagEXIF | webpFlagXMP
			}
		default:
			out = append(out, data[i:end]...)
		}
		i = end
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, true
}
