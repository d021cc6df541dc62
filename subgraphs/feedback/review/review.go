// Package review holds the review rules: what a review is about, which
// ratings and comments are acceptable. It knows nothing of GraphQL or SQL.
package review

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/apperr"
)

// TargetType is what a review is about.
type TargetType string

const (
	TargetVendor  TargetType = "VENDOR"
	TargetProduct TargetType = "PRODUCT"
	TargetCourier TargetType = "COURIER"
)

// Valid reports whether t is one of the known target types.
func (t TargetType) Valid() bool {
	switch t {
	case TargetVendor, TargetProduct, TargetCourier:
		return true
	}
	return false
}

// Review is a customer's rating and comment about one vendor, product or
// courier of one of their orders.
type Review struct {
	ID         string
	AuthorID   string // the customer who wrote it
	OrderID    string
	TargetType TargetType
	TargetID   string
	Rating     int
	Comment    string
	CreatedAt  time.Time
}

// Store keeps reviews.
type Store interface {
	// Create inserts r; a second review of the same target of the same order
	// is CONFLICT (enforced by a unique index).
	Create(ctx context.Context, r Review) error
	// ByID returns NOT_FOUND for an unknown id.
	ByID(ctx context.Context, id string) (Review, error)
	// ByIDs returns the reviews found, in any order.
	ByIDs(ctx context.Context, ids []string) ([]Review, error)
	// ByOrderTarget returns the review of a target of an order, NOT_FOUND if
	// there is none.
	ByOrderTarget(ctx context.Context, orderID string, targetType TargetType, targetID string) (Review, error)
}

const (
	MinRating        = 1
	MaxRating        = 5
	MinCommentLength = 3
	MaxCommentLength = 500
	// maxIDLength fits a UUID (36) and a ULID (26), the id shapes Platter
	// uses; anything longer cannot be an id.
	maxIDLength = 36
)

// Draft is what a review is written from. AuthorID comes from the caller's
// token, never from input.
type Draft struct {
	AuthorID   string
	OrderID    string
	TargetType TargetType
	TargetID   string
	Rating     int
	Comment    string
}

// checkID rejects what cannot be an id, naming the field.
func checkID(field, id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return apperr.Invalid(field, "must not be empty")
	case len(id) > maxIDLength:
		return apperr.Invalid(field, "is not a valid id")
	}
	return nil
}

// New validates d and builds a review. Every problem is INVALID_INPUT naming
// its field.
func New(d Draft, now time.Time) (Review, error) {
	for _, f := range []struct{ name, value string }{{"authorId", d.AuthorID}, {"orderId", d.OrderID}, {"targetId", d.TargetID}} {
		if err := checkID(f.name, f.value); err != nil {
			return Review{}, err
		}
	}
	if !d.TargetType.Valid() {
		return Review{}, apperr.Invalid("targetType", "must be VENDOR, PRODUCT or COURIER")
	}
	if d.Rating < MinRating || d.Rating > MaxRating {
		return Review{}, apperr.Invalid("rating", "must be from %d to %d", MinRating, MaxRating)
	}
	comment := strings.TrimSpace(d.Comment)
	switch n := utf8.RuneCountInString(comment); {
	case n < MinCommentLength:
		return Review{}, apperr.Invalid("comment", "must be at least %d characters", MinCommentLength)
	case n > MaxCommentLength:
		return Review{}, apperr.Invalid("comment", "must be at most %d characters", MaxCommentLength)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Review{}, err
	}
	return Review{
		ID: id.String(), AuthorID: d.AuthorID, OrderID: d.OrderID, TargetType: d.TargetType, TargetID: d.TargetID,
		Rating: d.Rating, Comment: comment, CreatedAt: now.UTC(),
	}, nil
}
