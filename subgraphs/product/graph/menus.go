package graph

import (
	"context"
	"sync"

	"github.com/platterhq/platter/subgraphs/product/catalog"
	"github.com/platterhq/platter/subgraphs/product/graph/model"
)

// menuBatch loads the menus of every vendor of one _entities answer with
// one lookup, the first time any of them is asked for its menu.
type menuBatch struct {
	catalog *catalog.Service
	ids     []string

	once  sync.Once
	menus map[string][]model.MenuSection
	err   error
}

func (b *menuBatch) Menu(ctx context.Context, vendorID string) ([]model.MenuSection, error) {
	b.once.Do(func() {
		menus, err := b.catalog.Menus(ctx, b.ids)
		if err != nil {
			b.err = err
			return
		}
		b.menus = make(map[string][]model.MenuSection, len(b.ids))
		for i, id := range b.ids {
			b.menus[id] = toMenu(menus[i])
		}
	})
	if b.err != nil {
		return nil, b.err
	}
	if m := b.menus[vendorID]; m != nil {
		return m, nil
	}
	return []model.MenuSection{}, nil
}
