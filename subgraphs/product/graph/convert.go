package graph

import (
	"github.com/platterhq/platter/subgraphs/product/catalog"
	"github.com/platterhq/platter/subgraphs/product/graph/model"
)

func toProduct(p catalog.Product) *model.Product {
	return &model.Product{
		ID: p.ID, Title: p.Title, Description: p.Description, Available: p.Available, CreatedAt: p.CreatedAt,
		Vendor: &model.Vendor{ID: p.VendorID},
	}
}
