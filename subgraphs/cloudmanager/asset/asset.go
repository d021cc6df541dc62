// Package asset holds the rules of uploaded images: who may upload what,
// which bytes are an image, where an image is stored, how an upload by
// signed URL is confirmed, and who may delete it. It knows nothing of
// GraphQL or of the storage service behind its ports.
//
// Images are not re-encoded or thumbnailed. The accepted formats (JPEG,
// PNG, WebP) are what browsers and the apps show directly; re-encoding JPEG
// loses quality, and Go has no WebP encoder. Only each image's header is
// decoded (its type and dimensions), never its pixels, so a small file that
// claims huge dimensions costs nothing here. Size and dimensions are capped
// instead.
//
// What is stored is the upload less its metadata (StripMetadata): a phone's
// photo carries the GPS position it was taken at in its EXIF, and an avatar
// or a courier's photo must not tell where someone lives. The metadata
// blocks are cut out of the file without decoding its pixels, which keeps
// the no-re-encoding choice; the ICC colour profile stays. Uploads by
// signed URL are stripped when confirmed: the confirmed object is written
// from the stripped bytes, never copied from what the client PUT.
package asset

import (
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/apperr"
)

// Purpose says what an image is for.
type Purpose string

const (
	PurposeAvatar       Purpose = "AVATAR"
	PurposeVendorLogo   Purpose = "VENDOR_LOGO"
	PurposeGallery      Purpose = "GALLERY"
	PurposeProductImage Purpose = "PRODUCT_IMAGE"
	PurposeTeamPhoto    Purpose = "TEAM_PHOTO"
	PurposeCourierPhoto Purpose = "COURIER_PHOTO"
)

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool {
	switch p {
	case PurposeAvatar, PurposeVendorLogo, PurposeGallery, PurposeProductImage, PurposeTeamPhoto, PurposeCourierPhoto:
		return true
	}
	return false
}

// Caller is who asks: the verified subject of the token and the roles that
// matter to images.
type Caller struct {
	ID      string
	Vendor  bool
	Courier bool
	Admin   bool
}

// AllowedFor reports whether c may upload an image for p: anyone an
// avatar, vendors their shop's images, couriers their photo, and admins
// anything.
func (p Purpose) AllowedFor(c Caller) bool {
	if c.ID == "" || !p.Valid() {
		return false
	}
	if c.Admin {
		return true
	}
	switch p {
	case PurposeAvatar:
		return true
	case PurposeVendorLogo, PurposeGallery, PurposeProductImage, PurposeTeamPhoto:
		return c.Vendor
	case PurposeCourierPhoto:
		return c.Courier
	}
	return false
}

// checkPurpose validates p for c: INVALID_INPUT for an unknown purpose,
// FORBIDDEN for one c may not use.
func checkPurpose(p Purpose, c Caller) error {
	if !p.Valid() {
		return apperr.Invalid("purpose", "%q is not a known purpose", p)
	}
	if !p.AllowedFor(c) {
		return apperr.E(apperr.Forbidden, "your account may not upload %s images", p)
	}
	return nil
}

// Asset is a stored image's metadata.
type Asset struct {
	ID          string
	OwnerID     string // the account that uploaded it, from its token
	Purpose     Purpose
	ContentType string
	Bytes       int64
	Width       int
	Height      int
	CreatedAt   time.Time
}

// Image describes an image to be stored.
type Image struct {
	Purpose     Purpose
	ContentType string
	Bytes       int64
	Width       int
	Height      int
}

const (
	// MaxBytes is the absolute cap on an image; the configured limit
	// (Limits.MaxBytes, 5 MiB by default) is usually lower.
	MaxBytes = 64 << 20
	// MaxDimension caps width and height, far above any screen's need.
	MaxDimension = 10000
)

// contentTypes are the image formats Platter serves.
var contentTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true}

// New validates img and returns its asset, owned by owner. Every problem is
// INVALID_INPUT naming its field.
func New(id, owner string, img Image, now time.Time) (Asset, error) {
	if err := ValidateID(id); err != nil {
		return Asset{}, err
	}
	switch {
	case owner == "":
		return Asset{}, apperr.Invalid("owner", "must not be empty")
	case !img.Purpose.Valid():
		return Asset{}, apperr.Invalid("purpose", "%q is not a known purpose", img.Purpose)
	case !contentTypes[img.ContentType]:
		return Asset{}, apperr.Invalid("contentType", "must be image/jpeg, image/png or image/webp")
	case img.Bytes < 1 || img.Bytes > MaxBytes:
		return Asset{}, apperr.Invalid("bytes", "must be 1 to %d", MaxBytes)
	case img.Width < 1 || img.Width > MaxDimension:
		return Asset{}, apperr.Invalid("width", "must be 1 to %d pixels", MaxDimension)
	case img.Height < 1 || img.Height > MaxDimension:
		return Asset{}, apperr.Invalid("height", "must be 1 to %d pixels", MaxDimension)
	}
	return Asset{
		ID: id, OwnerID: owner, Purpose: img.Purpose, ContentType: img.ContentType,
		Bytes: img.Bytes, Width: img.Width, Height: img.Height, CreatedAt: now.UTC(),
	}, nil
}

// NewID returns a fresh asset id.
func NewID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// ValidateID accepts the ids Platter issues (UUIDs in canonical form). Ids
// become object names, so nothing else may reach the store.
func ValidateID(id string) error {
	if u, err := uuid.Parse(id); err != nil || u.String() != id {
		return apperr.Invalid("id", "is not an asset id")
	}
	return nil
}

// ObjectName is where an image's bytes are stored: <purpose>/<owner>/<id>,
// e.g. vendor_logo/0196.../0197.... Each asset has its own name, so an
// object is never overwritten by another upload.
func ObjectName(purpose Purpose, owner, id string) string {
	return strings.ToLower(string(purpose)) + "/" + safeSegment(owner) + "/" + id
}

// Object is where a's bytes are stored.
func (a Asset) Object() string { return ObjectName(a.Purpose, a.OwnerID, a.ID) }

// StagingName is where createImageUpload's signed URL puts the bytes until
// they are confirmed and moved to the asset's object.
func StagingName(id string) string { return StagingPrefix + id }

// StagingPrefix holds uploads awaiting confirmation.
const StagingPrefix = "uploads/"

// safeSegment keeps an owner id usable as one segment of an object name:
// Platter's subjects are UUIDs, but a name must never gain a "/" or "..".
func safeSegment(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' && i > 0
		if !ok {
			b[i] = '_'
		}
	}
	if len(b) > 128 {
		b = b[:128]
	}
	return string(b)
}
