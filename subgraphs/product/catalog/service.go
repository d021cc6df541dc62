package catalog

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/batch"
	"github.com/platterhq/platter/internal/events"
)

// Service runs the catalog use cases.
type Service struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
}

// NewService returns a Service over store.
func NewService(store Store, log *slog.Logger) *Service {
	return &Service{store: store, log: log, now: time.Now}
}

// Get returns a product by id: INVALID_INPUT on "id" for a malformed id,
// NOT_FOUND for an unknown one.
func (s *Service) Get(ctx context.Context, id string) (Product, error) {
	id, err := ParseID("id", id)
	if err != nil {
		return Product{}, err
	}
	return s.store.ByID(ctx, id)
}

// GetMany returns the products with the given ids, in the ids' order, with
// the zero Product where an id is unknown or malformed.
func (s *Service) GetMany(ctx context.Context, ids []string) ([]Product, error) {
	canonical := make([]string, len(ids))
	valid := make([]string, 0, len(ids))
	for i, id := range ids {
		if c, err := ParseID("id", id); err == nil {
			canonical[i] = c
			valid = append(valid, c)
		}
	}
	found, err := s.store.ByIDs(ctx, valid)
	if err != nil {
		return nil, err
	}
	return batch.InOrder(canonical, found, func(p Product) string { return p.ID }), nil
}

// Create adds a product to a vendor's menu.
func (s *Service) Create(ctx context.Context, in NewProduct) (Product, error) {
	p, err := newProduct(in, s.now())
	if err != nil {
		return Product{}, err
	}
	// Every product event carries the whole product; version 1 is its
	// first state (updates, when they come, count up from there).
	created, err := events.New(ctx, "product", events.ProductCreated, p.ID, events.ProductData{
		ProductID: p.ID, VendorID: p.VendorID, Title: p.Title, Available: p.Available, Version: 1,
	})
	if err != nil {
		return Product{}, err
	}
	if err := s.store.Create(ctx, p, created); err != nil {
		return Product{}, err
	}
	s.log.InfoContext(ctx, "product created", "product_id", p.ID, "vendor_id", p.VendorID)
	return p, nil
}

// Ensure creates the product unless the vendor already has one with the
// same title (for demo data); it reports whether it created one.
func (s *Service) Ensure(ctx context.Context, in NewProduct) (Product, bool, error) {
	p, err := s.Create(ctx, in)
	if apperr.CodeOf(err) == apperr.Conflict {
		existing, getErr := s.store.ByVendorTitle(ctx, strings.TrimSpace(in.VendorID), in.Title)
		return existing, false, getErr
	}
	return p, err == nil, err
}
