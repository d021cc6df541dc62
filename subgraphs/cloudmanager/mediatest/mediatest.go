// Package mediatest helps tests of image uploads: it makes small real
// images and sends GraphQL multipart requests (the GraphQL multipart
// request spec: an operations part, a map part, then one part per file) to
// a subgraph or to the router.
package mediatest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"testing"

	"github.com/platterhq/platter/internal/gqltest"
)

// PNG returns a w×h PNG with a gradient, so that it compresses well.
func PNG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// NoisyPNG returns a square PNG of random pixels of about size bytes:
// noise does not compress, so the file is about as large as its pixels.
func NoisyPNG(tb testing.TB, size int, seed uint64) []byte {
	tb.Helper()
	side := 1
	for (side+1)*(side+1)*4 <= size {
		side++
	}
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.Uint32())
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// JPEG returns a w×h JPEG.
func JPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 3), 90, uint8(y * 5), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// WebP is a complete 1×1 lossless WebP image.
var WebP = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

// WebPHeader returns the header of a w×h lossless WebP image: enough for
// its type and dimensions, not for its pixels.
func WebPHeader(w, h int) []byte {
	bits := uint64(w-1) | uint64(h-1)<<14 | 1<<28 // alpha hint; version 0
	payload := append([]byte{0x2f}, byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24))
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(4+8+len(payload)))
	b.WriteString("WEBPVP8L")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(payload)))
	b.Write(payload)
	return b.Bytes()
}

// GPSIFD is the EXIF GPS block that the *WithMetadata images carry: north
// 45°27'43", east 9°11'11" (Milan). A stripped image holds none of it.
var GPSIFD = gpsIFD()

// gpsIFD encodes, little-endian, an IFD of GPSLatitudeRef, GPSLatitude,
// GPSLongitudeRef and GPSLongitude, its rationals following it. It is
// placed at offset 26 of its TIFF block.
func gpsIFD() []byte {
	const at = 26
	var b bytes.Buffer
	le := func(vs ...any) {
		for _, v := range vs {
			_ = binary.Write(&b, binary.LittleEndian, v)
		}
	}
	le(uint16(4))
	rationals := at + 2 + 4*12 + 4
	le(uint16(1), uint16(2), uint32(2), [4]byte{'N'})         // GPSLatitudeRef: ASCII "N"
	le(uint16(2), uint16(5), uint32(3), uint32(rationals))    // GPSLatitude: 3 RATIONALs
	le(uint16(3), uint16(2), uint32(2), [4]byte{'E'})         // GPSLongitudeRef
	le(uint16(4), uint16(5), uint32(3), uint32(rationals+24)) // GPSLongitude
	le(uint32(0))                                             // no next IFD
	le([]uint32{45, 1, 27, 1, 43, 1, 9, 1, 11, 1, 11, 1})     // the degrees, minutes, seconds
	return b.Bytes()
}

// exifTIFF is a TIFF block whose IFD0 points to GPSIFD, as cameras write.
func exifTIFF() []byte {
	var b bytes.Buffer
	le := func(vs ...any) {
		for _, v := range vs {
			_ = binary.Write(&b, binary.LittleEndian, v)
		}
	}
	b.WriteString("II*\x00")
	le(uint32(8))                                        // IFD0 at 8
	le(uint16(1))                                        // one entry:
	le(uint16(0x8825), uint16(4), uint32(1), uint32(26)) // GPSInfo: the GPS IFD at 26
	le(uint32(0))
	b.Write(GPSIFD)
	return b.Bytes()
}

// ICCProfile stands for an ICC colour profile: strippers must keep it.
var ICCProfile = []byte("platter test ICC profile: keep me")

// JPEGWithMetadata returns JPEG(w, h) as a phone would save it: an EXIF
// APP1 segment with a GPS position, an XMP APP1, a Photoshop/IPTC APP13, a
// comment, an ICC profile (APP2) and, after the image's end, a second
// image as multi-picture files append.
func JPEGWithMetadata(tb testing.TB, w, h int) []byte {
	tb.Helper()
	plain := JPEG(tb, w, h)
	segment := func(marker byte, payload []byte) []byte {
		seg := []byte{0xFF, marker, 0, 0}
		binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
		return append(seg, payload...)
	}
	var b bytes.Buffer
	b.Write(plain[:2]) // SOI
	b.Write(segment(0xE1, append([]byte("Exif\x00\x00"), exifTIFF()...)))
	b.Write(segment(0xE2, append([]byte("ICC_PROFILE\x00\x01\x01"), ICCProfile...)))
	b.Write(segment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><exif:GPSLatitude>45,27.7N</exif:GPSLatitude></x:xmpmeta>")))
	b.Write(segment(0xED, []byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x00")))
	b.Write(segment(0xFE, []byte("shot at home")))
	b.Write(plain[2:])
	b.Write(segment(0xE1, append([]byte("Exif\x00\x00"), exifTIFF()...))) // the appended image's EXIF
	return b.Bytes()
}

// pngChunk encodes one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// PNGWithMetadata returns PNG(w, h) with an ICC profile (iCCP), EXIF with
// a GPS position (eXIf) and text chunks (tEXt, zTXt, iTXt).
func PNGWithMetadata(tb testing.TB, w, h int) []byte {
	tb.Helper()
	plain := PNG(tb, w, h)
	const ihdrEnd = 8 + 12 + 13
	iend := len(plain) - 12
	var b bytes.Buffer
	b.Write(plain[:ihdrEnd])
	b.Write(pngChunk("iCCP", append([]byte("test\x00\x00"), ICCProfile...)))
	b.Write(pngChunk("eXIf", exifTIFF()))
	b.Write(pngChunk("tEXt", []byte("Comment\x00shot at home")))
	b.Write(plain[ihdrEnd:iend])
	b.Write(pngChunk("zTXt", []byte("Author\x00\x00x\x9c\x03\x00\x00\x00\x00\x01")))
	b.Write(pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<exif:GPSLatitude>45,27.7N</exif:GPSLatitude>")))
	b.Write(plain[iend:])
	return b.Bytes()
}

// WebPWithMetadata returns the 1×1 WebP in the extended format with an
// ICC profile, EXIF with a GPS position and XMP, its VP8X header flagging
// all three.
func WebPWithMetadata() []byte {
	chunk := func(fourCC string, data []byte) []byte {
		c := append([]byte(fourCC), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
		c = append(c, data...)
		if len(data)%2 == 1 {
			c = append(c, 0)
		}
		return c
	}
	// VP8X: flags (ICC 0x20, EXIF 0x08, XMP 0x04), 3 reserved bytes, then
	// the canvas width and height less one, 24 bits each.
	vp8x := []byte{0x20 | 0x08 | 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	var body bytes.Buffer
	body.WriteString("WEBP")
	body.Write(chunk("VP8X", vp8x))
	body.Write(chunk("ICCP", ICCProfile))
	body.Write(WebP[12:]) // the VP8L chunk
	body.Write(chunk("EXIF", exifTIFF()))
	body.Write(chunk("XMP ", []byte("<x:xmpmeta><exif:GPSLatitude>45,27.7N</exif:GPSLatitude></x:xmpmeta>")))
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(body.Len()))...)
	return append(out, body.Bytes()...)
}

// File is one file of a multipart request.
type File struct {
	// Var is the variable path the file fills, e.g. "variables.file".
	Var         string
	Name        string
	ContentType string
	Data        []byte
}

// Body builds a GraphQL multipart request body and returns it with its
// Content-Type. The files' variables are sent as null, as the spec says.
func Body(tb testing.TB, query string, vars map[string]any, files ...File) (*bytes.Buffer, string) {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	ops, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		tb.Fatal(err)
	}
	fileMap := map[string][]string{}
	for i, f := range files {
		fileMap[itoa(i)] = []string{f.Var}
	}
	mapJSON, _ := json.Marshal(fileMap)
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", string(mapJSON))
	for i, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+itoa(i)+`"; filename="`+f.Name+`"`)
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		w, err := mw.CreatePart(h)
		if err != nil {
			tb.Fatal(err)
		}
		_, _ = w.Write(f.Data)
	}
	if err := mw.Close(); err != nil {
		tb.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

func itoa(i int) string {
	return strconv.Itoa(i)
}

// Upload posts a multipart request to url with a bearer token (when set)
// and decodes the GraphQL response; like gqltest.Client.Do it fails the
// test only on transport problems.
func Upload(tb testing.TB, client *http.Client, url, token, query string, vars map[string]any, files ...File) gqltest.Response {
	tb.Helper()
	if client == nil {
		client = http.DefaultClient
	}
	body, contentType := Body(tb, query, vars, files...)
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("post %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out gqltest.Response
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Fatalf("status %d, body is not a GraphQL response: %s", resp.StatusCode, raw)
	}
	out.Status = resp.StatusCode
	return out
}

// UploadImage is the multipart uploadImage mutation with the selection
// tests use.
const UploadImage = `mutation($file: Upload!, $purpose: AssetPurpose!) { uploadImage(file: $file, purpose: $purpose) { id purpose ownerId contentType bytes width height createdAt url } }`

// Asset is an Asset as UploadImage selects it.
type Asset struct {
	ID          string `json:"id"`
	Purpose     string `json:"purpose"`
	OwnerID     string `json:"ownerId"`
	ContentType string `json:"contentType"`
	Bytes       int    `json:"bytes"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	CreatedAt   string `json:"createdAt"`
	URL         string `json:"url"`
}

// UploadImageAs uploads data as an image of purpose with UploadImage.
func UploadImageAs(tb testing.TB, url, token, purpose, name string, data []byte) gqltest.Response {
	tb.Helper()
	return Upload(tb, nil, url, token, UploadImage, map[string]any{"file": nil, "purpose": purpose},
		File{Var: "variables.file", Name: name, Data: data})
}

// MustUploadImage uploads and fails the test on any error.
func MustUploadImage(tb testing.TB, url, token, purpose, name string, data []byte) Asset {
	tb.Helper()
	r := UploadImageAs(tb, url, token, purpose, name, data)
	if len(r.Errors) > 0 {
		tb.Fatalf("uploadImage: status %d errors %+v", r.Status, r.Errors)
	}
	var out struct{ UploadImage Asset }
	if err := json.Unmarshal(r.Data, &out); err != nil {
		tb.Fatalf("decode %s: %v", r.Data, err)
	}
	return out.UploadImage
}

// Fetch GETs url and returns the status and body.
func Fetch(tb testing.TB, url string) (int, []byte) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatalf("get %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, body
}
