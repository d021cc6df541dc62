package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/subgraphs/product/catalog"
	"github.com/platterhq/platter/subgraphs/product/graph/model"
)

func money(amount int64) *model.Money {
	return &model.Money{Amount: int(amount), Currency: catalog.Currency}
}

func toProduct(p catalog.Product) *model.Product {
	out := &model.Product{
		ID: p.ID, Title: p.Title, Description: p.Description,
		Price: money(p.Price), DiscountPercent: p.DiscountPercent, FinalPrice: money(p.FinalPrice()),
		Available: p.OnSale(), Vendor: &model.Vendor{ID: p.VendorID},
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
	if p.ImageAssetID != "" {
		out.Image = &model.Asset{ID: p.ImageAssetID}
	}
	if p.CategoryID != "" {
		out.Category = &model.Category{ID: p.CategoryID, Name: p.CategoryName}
	}
	if p.SectionID != "" {
		out.Section = &model.MenuSection{ID: p.SectionID, Name: p.SectionName, Position: p.SectionPosition}
	}
	return out
}

func toProducts(ps []catalog.Product) []model.Product {
	out := make([]model.Product, len(ps))
	for i, p := range ps {
		out[i] = *toProduct(p)
	}
	return out
}

func toConnection(page catalog.Page) *model.ProductConnection {
	c := &model.ProductConnection{Edges: make([]model.ProductEdge, len(page.Products)), PageInfo: &model.PageInfo{HasNextPage: page.HasNextPage}}
	for i, p := range page.Products {
		cursor := catalog.Cursor(p)
		c.Edges[i] = model.ProductEdge{Cursor: cursor, Node: toProduct(p)}
		c.PageInfo.EndCursor = &cursor
	}
	return c
}

func toCategory(c catalog.Category) *model.Category { return &model.Category{ID: c.ID, Name: c.Name} }

func toSection(s catalog.Section) *model.MenuSection {
	return &model.MenuSection{ID: s.ID, Name: s.Name, Position: s.Position}
}

func toMenu(secs []catalog.MenuSection) []model.MenuSection {
	out := make([]model.MenuSection, len(secs))
	for i, s := range secs {
		out[i] = *toSection(s.Section)
		out[i].Products, out[i].ProductsLoaded = toProducts(s.Products), true
	}
	return out
}

func toFilter(f *model.ProductFilter) catalog.Filter {
	if f == nil {
		return catalog.Filter{}
	}
	out := catalog.Filter{
		VendorID: value(f.VendorID), CategoryID: value(f.CategoryID), SectionID: value(f.SectionID),
		Search: value(f.Search),
	}
	if p, _ := f.MaxPrice.ValueOK(); p != nil {
		v := int64(*p)
		out.MaxPrice = &v
	}
	out.Available, _ = f.Available.ValueOK()
	return out
}

// value is an optional string input, "" when left out or null.
func value(o graphql.Omittable[*string]) string {
	if v, _ := o.ValueOK(); v != nil {
		return *v
	}
	return ""
}

func toNewProduct(in model.CreateProductInput) catalog.NewProduct {
	out := catalog.NewProduct{
		Title: in.Title, Description: value(in.Description),
		Price:        catalog.Money{Amount: int64(in.Price.Amount), Currency: in.Price.Currency},
		ImageAssetID: value(in.ImageID), CategoryID: value(in.CategoryID), SectionID: value(in.SectionID),
		Available: true,
	}
	if d, _ := in.DiscountPercent.ValueOK(); d != nil {
		out.DiscountPercent = *d
	}
	if a, _ := in.Available.ValueOK(); a != nil {
		out.Available = *a
	}
	return out
}

// toChanges maps a partial update: a field left out stays; null clears the
// description, image, category and section, and is refused elsewhere.
func toChanges(in model.UpdateProductInput) (catalog.ProductChanges, error) {
	var c catalog.ProductChanges
	var err error
	if c.Title, err = required("input.title", in.Title); err != nil {
		return c, err
	}
	c.Description = clearable(in.Description)
	c.ImageAssetID = clearable(in.ImageID)
	c.CategoryID = clearable(in.CategoryID)
	c.SectionID = clearable(in.SectionID)
	price, err := required("input.price", in.Price)
	if err != nil {
		return c, err
	}
	if price != nil {
		c.Price = &catalog.Money{Amount: int64(price.Amount), Currency: price.Currency}
	}
	if c.DiscountPercent, err = required("input.discountPercent", in.DiscountPercent); err != nil {
		return c, err
	}
	if c.Available, err = required("input.available", in.Available); err != nil {
		return c, err
	}
	return c, nil
}

func required[T any](field string, o graphql.Omittable[*T]) (*T, error) {
	v, set := o.ValueOK()
	if set && v == nil {
		return nil, apperr.Invalid(field, "must not be null")
	}
	return v, nil
}

func clearable(o graphql.Omittable[*string]) *string {
	v, set := o.ValueOK()
	if !set {
		return nil
	}
	if v == nil {
		empty := ""
		return &empty
	}
	return v
}

func optionalInt(o graphql.Omittable[*int]) *int {
	v, _ := o.ValueOK()
	return v
}

func productPayload(p catalog.Product, err error) (*model.ProductPayload, error) {
	if err != nil {
		return nil, err
	}
	return &model.ProductPayload{Product: toProduct(p)}, nil
}

func sectionPayload(s catalog.Section, err error) (*model.MenuSectionPayload, error) {
	if err != nil {
		return nil, err
	}
	return &model.MenuSectionPayload{Section: toSection(s)}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
