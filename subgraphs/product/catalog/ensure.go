package catalog

import (
	"context"

	"github.com/platterhq/platter/internal/apperr"
)

// The Ensure methods are for demo data, whose fixed ids make a second run
// collide with the first: a conflict means the row is there already, and
// they report whether they created it.

// EnsureCategory creates the category unless its id or name is taken.
func (s *Service) EnsureCategory(ctx context.Context, id, name string) (bool, error) {
	_, err := s.CreateCategory(ctx, id, name)
	return created(err)
}

// EnsureSection creates the vendor's section unless its id or name is
// taken.
func (s *Service) EnsureSection(ctx context.Context, vendorID string, in NewSection) (bool, error) {
	_, err := s.CreateSection(ctx, vendorID, in)
	return created(err)
}

// EnsureProduct creates the vendor's product unless its id or title is
// taken.
func (s *Service) EnsureProduct(ctx context.Context, vendorID string, in NewProduct) (bool, error) {
	_, err := s.Create(ctx, vendorID, in)
	return created(err)
}

func created(err error) (bool, error) {
	if apperr.CodeOf(err) == apperr.Conflict {
		return false, nil
	}
	return err == nil, err
}
