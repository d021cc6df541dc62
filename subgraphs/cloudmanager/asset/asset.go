// Package asset holds the rules of uploaded images' metadata: what a valid
// asset is and how assets are read. It knows nothing of GraphQL or object
// storage.
package asset

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/batch"
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

// Asset is an uploaded image's metadata.
type Asset struct {
	ID          string
	OwnerID     string // the account that uploaded it
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

// Store keeps asset metadata.
type Store interface {
	// Create saves a; an id already taken is CONFLICT.
	Create(ctx context.Context, a Asset) error
	// ByID returns NOT_FOUND for an unknown id.
	ByID(ctx context.Context, id string) (Asset, error)
	// ByIDs returns the assets found, in any order.
	ByIDs(ctx context.Context, ids []string) ([]Asset, error)
}

const (
	// MaxBytes caps an image; it matches the GraphQL upload limit.
	MaxBytes = 10 << 20
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

// Service runs the asset use cases over a Store.
type Service struct {
	store Store
	now   func() time.Time
}

// NewService returns the use cases over store.
func NewService(store Store) *Service {
	return &Service{store: store, now: time.Now}
}

// Get returns an asset by id. Asset metadata is public: images are shown to
// anyone who sees what they belong to.
func (s *Service) Get(ctx context.Context, id string) (Asset, error) {
	if err := ValidateID(id); err != nil {
		return Asset{}, err
	}
	return s.store.ByID(ctx, id)
}

// GetMany returns the assets with the given ids in the ids' order, with the
// zero Asset where an id is malformed or unknown.
func (s *Service) GetMany(ctx context.Context, ids []string) ([]Asset, error) {
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if ValidateID(id) == nil {
			valid = append(valid, id)
		}
	}
	found, err := s.store.ByIDs(ctx, valid)
	if err != nil {
		return nil, err
	}
	return batch.InOrder(ids, found, func(a Asset) string { return a.ID }), nil
}

// Ensure records an asset with the given id unless one exists, for demo
// data and imports; it reports whether it created one.
func (s *Service) Ensure(ctx context.Context, id, owner string, img Image) (Asset, bool, error) {
	if existing, err := s.store.ByID(ctx, id); err == nil {
		return existing, false, nil
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return Asset{}, false, err
	}
	a, err := New(id, owner, img, s.now())
	if err != nil {
		return Asset{}, false, err
	}
	if err := s.store.Create(ctx, a); err != nil {
		if apperr.CodeOf(err) == apperr.Conflict {
			existing, getErr := s.store.ByID(ctx, id)
			return existing, false, getErr
		}
		return Asset{}, false, err
	}
	return a, true, nil
}
