package catalog

import (
	"context"
	"strings"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/events"
)

// Money is an amount in cents of a currency, as a vendor enters a price.
type Money struct {
	Amount   int64
	Currency string
}

// NewProduct is what a vendor gives for a new menu item. Errors name the
// fields as the createProduct mutation does (input.title...).
type NewProduct struct {
	// ID is set by demo data only, whose ids other subgraphs' demo data
	// refer to; empty means a fresh id. Clients never choose ids.
	ID              string
	Title           string
	Description     string
	Price           Money
	DiscountPercent int
	ImageAssetID    string
	CategoryID      string
	SectionID       string
	Available       bool
}

// ProductChanges is a partial update: nil fields stay as they are; a
// pointer to "" clears the image, category or section.
type ProductChanges struct {
	Title           *string
	Description     *string
	Price           *Money
	DiscountPercent *int
	ImageAssetID    *string
	CategoryID      *string
	SectionID       *string
	Available       *bool
}

// validProduct checks and cleans what a vendor entered for a product: every
// problem is INVALID_INPUT naming its input field.
func validProduct(in NewProduct) (NewProduct, error) {
	var err error
	if in.Title, err = checkTitle("input.title", in.Title, maxTitleLength); err != nil {
		return in, err
	}
	if in.Description, err = checkDescription(in.Description); err != nil {
		return in, err
	}
	if err = checkPrice(in.Price.Amount, in.Price.Currency); err != nil {
		return in, err
	}
	if err = checkDiscount(in.DiscountPercent); err != nil {
		return in, err
	}
	if in.ImageAssetID, err = optionalID("input.imageId", in.ImageAssetID); err != nil {
		return in, err
	}
	if in.CategoryID, err = optionalID("input.categoryId", in.CategoryID); err != nil {
		return in, err
	}
	if in.SectionID, err = optionalID("input.sectionId", in.SectionID); err != nil {
		return in, err
	}
	return in, nil
}

// apply returns p with the changes made, validated as validProduct does.
func (c ProductChanges) apply(p Product) (Product, error) {
	in := NewProduct{
		Title: p.Title, Description: p.Description, Price: Money{p.Price, Currency},
		DiscountPercent: p.DiscountPercent, ImageAssetID: p.ImageAssetID,
		CategoryID: p.CategoryID, SectionID: p.SectionID, Available: p.Available,
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&in.Title, c.Title)
	set(&in.Description, c.Description)
	set(&in.ImageAssetID, c.ImageAssetID)
	set(&in.CategoryID, c.CategoryID)
	set(&in.SectionID, c.SectionID)
	if c.Price != nil {
		in.Price = *c.Price
	}
	if c.DiscountPercent != nil {
		in.DiscountPercent = *c.DiscountPercent
	}
	if c.Available != nil {
		in.Available = *c.Available
	}
	in, err := validProduct(in)
	if err != nil {
		return p, err
	}
	p.Title, p.Description, p.Price, p.DiscountPercent = in.Title, in.Description, in.Price.Amount, in.DiscountPercent
	p.ImageAssetID, p.CategoryID, p.SectionID, p.Available = in.ImageAssetID, in.CategoryID, in.SectionID, in.Available
	return p, nil
}

// Create adds a product to the menu of vendorID, the caller.
func (s *Service) Create(ctx context.Context, vendorID string, in NewProduct) (Product, error) {
	vendorID, err := checkVendorID(vendorID)
	if err != nil {
		return Product{}, err
	}
	if in, err = validProduct(in); err != nil {
		return Product{}, err
	}
	id, err := newID(in.ID, "id")
	if err != nil {
		return Product{}, err
	}
	t := now(s.now)
	p := Product{
		ID: id, VendorID: vendorID, Title: in.Title, Description: in.Description,
		Price: in.Price.Amount, DiscountPercent: in.DiscountPercent, ImageAssetID: in.ImageAssetID,
		CategoryID: in.CategoryID, SectionID: in.SectionID, Available: in.Available,
		Version: 1, CreatedAt: t, UpdatedAt: t,
	}
	err = s.store.Update(ctx, func(ctx context.Context, tx Tx) error {
		v, err := tx.LockVendor(ctx, vendorID)
		if err != nil {
			return err
		}
		p.VendorTrading = v.Trading()
		if err := s.describe(ctx, tx, &p); err != nil {
			return err
		}
		if err := tx.InsertProduct(ctx, p); err != nil {
			return inInput(err)
		}
		return s.publish(ctx, tx, events.ProductCreated, p)
	})
	if err != nil {
		return Product{}, err
	}
	s.log.InfoContext(ctx, "product created", "product_id", p.ID, "vendor_id", p.VendorID)
	return p, nil
}

// Update changes the caller's product id: NOT_FOUND when there is none,
// FORBIDDEN when it is another vendor's.
func (s *Service) Update(ctx context.Context, vendorID, id string, c ProductChanges) (Product, error) {
	return s.change(ctx, vendorID, id, events.ProductUpdated, c.apply)
}

// SetAvailability says whether the caller's product id is on offer.
func (s *Service) SetAvailability(ctx context.Context, vendorID, id string, available bool) (Product, error) {
	return s.Update(ctx, vendorID, id, ProductChanges{Available: &available})
}

// Delete takes the caller's product id off the menu. The row stays, marked
// deleted, so that its version keeps counting and late events stay ordered;
// its title is freed for a new product.
func (s *Service) Delete(ctx context.Context, vendorID, id string) (Product, error) {
	return s.change(ctx, vendorID, id, events.ProductDeleted, func(p Product) (Product, error) {
		p.Deleted = true
		return p, nil
	})
}

// change runs one vendor's change of one of its products, publishing typ.
func (s *Service) change(ctx context.Context, vendorID, id, typ string, edit func(Product) (Product, error)) (Product, error) {
	id, err := ParseID("id", id)
	if err != nil {
		return Product{}, err
	}
	if vendorID, err = checkVendorID(vendorID); err != nil {
		return Product{}, err
	}
	var p Product
	err = s.store.Update(ctx, func(ctx context.Context, tx Tx) error {
		v, err := tx.LockVendor(ctx, vendorID)
		if err != nil {
			return err
		}
		if p, err = tx.ProductForUpdate(ctx, id); err != nil {
			return err
		}
		if p.Deleted {
			return errProductNotFound
		}
		if p.VendorID != vendorID {
			return apperr.E(apperr.Forbidden, "the product is on another vendor's menu")
		}
		if p, err = edit(p); err != nil {
			return err
		}
		p.VendorTrading = v.Trading()
		p.Version++
		p.UpdatedAt = now(s.now)
		if err := s.describe(ctx, tx, &p); err != nil {
			return err
		}
		if err := tx.SaveProduct(ctx, p); err != nil {
			return inInput(err)
		}
		return s.publish(ctx, tx, typ, p)
	})
	if err != nil {
		return Product{}, err
	}
	s.log.InfoContext(ctx, "product changed", "product_id", p.ID, "event", typ, "version", p.Version)
	return p, nil
}

var errProductNotFound = apperr.E(apperr.NotFound, "product not found")

// describe checks that p's category exists and that its section is on its
// vendor's menu, and fills in their names.
func (s *Service) describe(ctx context.Context, tx Tx, p *Product) error {
	p.CategoryName, p.SectionName, p.SectionPosition = "", "", 0
	if p.CategoryID != "" {
		c, err := tx.Category(ctx, p.CategoryID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return apperr.Invalid("input.categoryId", "is not a category")
		}
		if err != nil {
			return err
		}
		p.CategoryName = c.Name
	}
	if p.SectionID != "" {
		sec, err := tx.Section(ctx, p.SectionID)
		if apperr.CodeOf(err) == apperr.NotFound || (err == nil && sec.VendorID != p.VendorID) {
			return apperr.Invalid("input.sectionId", "is not one of your menu sections")
		}
		if err != nil {
			return err
		}
		p.SectionName, p.SectionPosition = sec.Name, sec.Position
	}
	return nil
}

// publish adds the event telling others of p's new state: the whole
// product, with its version, so that consumers converge whatever they
// missed.
func (s *Service) publish(ctx context.Context, tx Tx, typ string, p Product) error {
	e, err := events.New(ctx, "product", typ, p.ID, events.ProductData{
		ProductID: p.ID, VendorID: p.VendorID, Title: p.Title,
		Price:           events.Money{Amount: p.Price, Currency: Currency},
		DiscountPercent: p.DiscountPercent, ImageAssetID: p.ImageAssetID,
		Available: p.OnSale(), Deleted: p.Deleted, Version: p.Version,
	})
	if err != nil {
		return err
	}
	return tx.Publish(ctx, e)
}

// inInput names a store's conflict on a product's title as the input field.
func inInput(err error) error {
	if e, ok := apperr.As(err); ok && e.Field != "" && !strings.HasPrefix(e.Field, "input.") {
		c := *e
		c.Field = "input." + e.Field
		return &c
	}
	return err
}
