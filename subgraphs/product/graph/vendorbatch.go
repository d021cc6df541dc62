package graph

import (
	"context"
	"sync"

	"github.com/platterhq/platter/subgraphs/product/catalog"
	"github.com/platterhq/platter/subgraphs/product/graph/model"
)

// vendorBatch answers the vendors of one _entities request together: the
// first time any of them is asked for its menu, every menu is read with
// one lookup, and likewise their first pages of products.
type vendorBatch struct {
	catalog *catalog.Service
	ids     []string

	menusOnce sync.Once
	menus     map[string][]model.MenuSection
	menusErr  error

	mu sync.Mutex
	// pages by page size: one operation may ask products(first: 3) and,
	// under an alias, products(first: 10) of the same vendors.
	pages map[int]*firstPages
}

type firstPages struct {
	once  sync.Once
	pages map[string]catalog.Page
	err   error
}

func newVendorBatch(c *catalog.Service, ids []string) *vendorBatch {
	return &vendorBatch{catalog: c, ids: ids, pages: map[int]*firstPages{}}
}

func (b *vendorBatch) Menu(ctx context.Context, vendorID string) ([]model.MenuSection, error) {
	b.menusOnce.Do(func() {
		menus, err := b.catalog.Menus(ctx, b.ids)
		if err != nil {
			b.menusErr = err
			return
		}
		b.menus = make(map[string][]model.MenuSection, len(b.ids))
		for i, id := range b.ids {
			b.menus[id] = toMenu(menus[i])
		}
	})
	if b.menusErr != nil {
		return nil, b.menusErr
	}
	if m := b.menus[vendorID]; m != nil {
		return m, nil
	}
	return []model.MenuSection{}, nil
}

func (b *vendorBatch) FirstProducts(ctx context.Context, vendorID string, first *int) (*model.ProductConnection, error) {
	size, err := catalog.PageSize(first)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	fp := b.pages[size]
	if fp == nil {
		fp = &firstPages{}
		b.pages[size] = fp
	}
	b.mu.Unlock()
	fp.once.Do(func() { fp.pages, fp.err = b.catalog.FirstPages(ctx, b.ids, &size) })
	if fp.err != nil {
		return nil, fp.err
	}
	return toConnection(fp.pages[vendorID]), nil
}
