package catalog

import (
	"context"
	"slices"
	"strings"

	"github.com/platterhq/platter/internal/events"
)

// ApplyVendor records what the vendor subgraph says of a vendor, in tx,
// unless the replica already holds that version or a newer one. When the
// vendor starts or stops trading, each of its products changes whether it
// is on sale: its version grows and an update is published, so that
// replicas downstream converge. It reports whether the replica changed.
func (s *Service) ApplyVendor(ctx context.Context, tx Tx, next Vendor) (bool, error) {
	cur, err := tx.LockVendor(ctx, next.ID)
	if err != nil {
		return false, err
	}
	if next.Version <= cur.Version {
		return false, nil
	}
	return true, s.replaceVendor(ctx, tx, cur, next)
}

// SeedVendor records a demo vendor unless the replica has heard of it
// from the vendor subgraph already; the seeded row keeps version 0, so the
// vendor's first event replaces it.
func (s *Service) SeedVendor(ctx context.Context, v Vendor) error {
	return s.store.Update(ctx, func(ctx context.Context, tx Tx) error {
		cur, err := tx.LockVendor(ctx, v.ID)
		if err != nil || cur.Version > 0 {
			return err
		}
		v.Version = 0
		return s.replaceVendor(ctx, tx, cur, v)
	})
}

func (s *Service) replaceVendor(ctx context.Context, tx Tx, cur, next Vendor) error {
	next.Name = strings.TrimSpace(next.Name)
	if err := tx.SaveVendor(ctx, next); err != nil {
		return err
	}
	if cur.Trading() == next.Trading() {
		return nil
	}
	products, err := tx.VendorProducts(ctx, next.ID)
	if err != nil {
		return err
	}
	for _, p := range products {
		p.VendorTrading = next.Trading()
		p.Version++
		if err := tx.SaveProduct(ctx, p); err != nil {
			return err
		}
		if err := s.publish(ctx, tx, events.ProductUpdated, p); err != nil {
			return err
		}
	}
	s.log.InfoContext(ctx, "vendor trading changed", "vendor_id", next.ID, "status", next.Status, "products", len(products))
	return nil
}

// DetachImage clears the image of every product that shows the deleted
// asset, in tx, publishing each change. It reports how many it changed.
func (s *Service) DetachImage(ctx context.Context, tx Tx, assetID string) (int, error) {
	found, err := tx.ProductsWithImage(ctx, assetID)
	if err != nil {
		return 0, err
	}
	// Vendors are locked before their products, in one order, as every
	// other write does, so that concurrent writers cannot deadlock.
	slices.SortFunc(found, func(a, b Product) int {
		return strings.Compare(a.VendorID+"/"+a.ID, b.VendorID+"/"+b.ID)
	})
	changed := 0
	for _, f := range found {
		v, err := tx.LockVendor(ctx, f.VendorID)
		if err != nil {
			return changed, err
		}
		p, err := tx.ProductForUpdate(ctx, f.ID)
		if err != nil {
			return changed, err
		}
		if p.Deleted || p.ImageAssetID != assetID {
			continue
		}
		p.ImageAssetID = ""
		p.VendorTrading = v.Trading()
		p.Version++
		p.UpdatedAt = now(s.now)
		if err := tx.SaveProduct(ctx, p); err != nil {
			return changed, err
		}
		if err := s.publish(ctx, tx, events.ProductUpdated, p); err != nil {
			return changed, err
		}
		changed++
	}
	return changed, nil
}
