package vendorprofile

import (
	"context"
	"slices"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/batch"
)

// Service runs the vendor profile use cases over a Store.
type Service struct {
	store Store
	now   func() time.Time
}

// NewService returns the use cases over store.
func NewService(store Store) *Service {
	return &Service{store: store, now: time.Now}
}

// Get returns the vendor as the caller may see it: NOT_FOUND when it does
// not exist or is hidden from the caller, so hidden vendors cannot be told
// from missing ones.
func (s *Service) Get(ctx context.Context, id string) (Vendor, error) {
	if err := ValidateID(id); err != nil {
		return Vendor{}, err
	}
	v, err := s.store.ByID(ctx, id)
	if err != nil {
		return Vendor{}, err
	}
	caller, signedIn := auth.FromContext(ctx)
	if !CanSee(caller, signedIn, v) {
		return Vendor{}, apperr.E(apperr.NotFound, "vendor not found")
	}
	return v, nil
}

// GetMany returns the vendors with the given ids in the ids' order, with the
// zero Vendor where an id is malformed, unknown or hidden from the caller.
func (s *Service) GetMany(ctx context.Context, ids []string) ([]Vendor, error) {
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
	caller, signedIn := auth.FromContext(ctx)
	visible := slices.DeleteFunc(found, func(v Vendor) bool { return !CanSee(caller, signedIn, v) })
	return batch.InOrder(ids, visible, func(v Vendor) string { return v.ID }), nil
}

// Ensure creates a PENDING vendor with the given id unless one exists, for
// demo data and imports; it reports whether it created one.
func (s *Service) Ensure(ctx context.Context, id string, p Profile) (Vendor, bool, error) {
	if existing, err := s.store.ByID(ctx, id); err == nil {
		return existing, false, nil
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return Vendor{}, false, err
	}
	v, err := New(id, p, s.now())
	if err != nil {
		return Vendor{}, false, err
	}
	if err := s.store.Create(ctx, v); err != nil {
		if apperr.CodeOf(err) == apperr.Conflict {
			existing, getErr := s.store.ByID(ctx, id)
			return existing, false, getErr
		}
		return Vendor{}, false, err
	}
	return v, true, nil
}

// Approve lets the vendor trade.
func (s *Service) Approve(ctx context.Context, id string) (Vendor, error) {
	return s.update(ctx, id, func(v *Vendor) error { v.Approve(); return nil })
}

// SetOpen opens or closes the vendor for orders.
func (s *Service) SetOpen(ctx context.Context, id string, open bool) (Vendor, error) {
	return s.update(ctx, id, func(v *Vendor) error { return v.SetOpen(open) })
}

func (s *Service) update(ctx context.Context, id string, change func(*Vendor) error) (Vendor, error) {
	if err := ValidateID(id); err != nil {
		return Vendor{}, err
	}
	return s.store.Update(ctx, id, func(v *Vendor) error {
		if err := change(v); err != nil {
			return err
		}
		v.UpdatedAt = s.now().UTC()
		return nil
	})
}
