package rediscache

import (
	"context"

	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// Fill caches vendors as a read that missed would.
func (s *Store) Fill(ctx context.Context, vs ...vendorprofile.Vendor) error {
	s.put(ctx, vs...)
	return s.Status()
}
