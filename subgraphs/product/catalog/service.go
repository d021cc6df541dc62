package catalog

import (
	"context"
	"encoding/base64"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/batch"
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
// NOT_FOUND for an unknown or deleted one.
func (s *Service) Get(ctx context.Context, id string) (Product, error) {
	id, err := ParseID("id", id)
	if err != nil {
		return Product{}, err
	}
	return s.store.Product(ctx, id)
}

// GetMany returns the products with the given ids, in the ids' order, with
// the zero Product where an id is unknown, deleted or malformed.
func (s *Service) GetMany(ctx context.Context, ids []string) ([]Product, error) {
	canonical := make([]string, len(ids))
	valid := make([]string, 0, len(ids))
	for i, id := range ids {
		if c, err := ParseID("id", id); err == nil {
			canonical[i] = c
			valid = append(valid, c)
		}
	}
	found, err := s.store.Products(ctx, valid)
	if err != nil {
		return nil, err
	}
	return batch.InOrder(canonical, found, func(p Product) string { return p.ID }), nil
}

// Page sizes of product listings.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Page is one page of a product listing.
type Page struct {
	Products    []Product
	HasNextPage bool
}

// Cursor is the opaque position of p in a listing. Listings are in id
// order; the prefix keeps clients from mistaking the cursor for an id.
func Cursor(p Product) string {
	return base64.RawURLEncoding.EncodeToString([]byte("product:" + p.ID))
}

func parseCursor(after string) (string, error) {
	if after == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(after)
	id, ok := strings.CutPrefix(string(raw), "product:")
	if err != nil || !ok {
		return "", apperr.Invalid("after", "is not a cursor of this list")
	}
	if id, err = ParseID("after", id); err != nil {
		return "", apperr.Invalid("after", "is not a cursor of this list")
	}
	return id, nil
}

// PageSize checks a connection's first argument: nil is DefaultPageSize.
func PageSize(first *int) (int, error) {
	if first == nil {
		return DefaultPageSize, nil
	}
	if *first < 0 || *first > MaxPageSize {
		return 0, apperr.Invalid("first", "must be between 0 and %d", MaxPageSize)
	}
	return *first, nil
}

// List returns a page of the products matching f. Fields of f are checked
// and named as the products query's filter argument.
func (s *Service) List(ctx context.Context, f Filter, first *int, after string) (Page, error) {
	limit, err := PageSize(first)
	if err != nil {
		return Page{}, err
	}
	afterID, err := parseCursor(after)
	if err != nil {
		return Page{}, err
	}
	if f, err = validFilter(f); err != nil {
		return Page{}, err
	}
	if limit == 0 {
		return Page{}, nil
	}
	ps, more, err := s.store.List(ctx, f, afterID, limit)
	if err != nil {
		return Page{}, err
	}
	return Page{Products: ps, HasNextPage: more}, nil
}

// FirstPages returns the first page of each vendor's products, as List
// with the vendor as filter and no cursor would, for a batch of vendors in
// one lookup. A vendor without products has no entry.
func (s *Service) FirstPages(ctx context.Context, vendorIDs []string, first *int) (map[string]Page, error) {
	limit, err := PageSize(first)
	if err != nil {
		return nil, err
	}
	pages := make(map[string]Page, len(vendorIDs))
	if limit == 0 || len(vendorIDs) == 0 {
		return pages, nil
	}
	// One more than a page tells whether another page follows.
	ps, err := s.store.VendorsFirstProducts(ctx, vendorIDs, limit+1)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		page := pages[p.VendorID]
		if len(page.Products) == limit {
			page.HasNextPage = true
		} else {
			page.Products = append(page.Products, p)
		}
		pages[p.VendorID] = page
	}
	return pages, nil
}

func validFilter(f Filter) (Filter, error) {
	var err error
	if f.VendorID = strings.TrimSpace(f.VendorID); len(f.VendorID) > maxVendorIDLength {
		return f, apperr.Invalid("filter.vendorId", "must be at most %d characters", maxVendorIDLength)
	}
	if f.CategoryID, err = optionalID("filter.categoryId", f.CategoryID); err != nil {
		return f, err
	}
	if f.SectionID, err = optionalID("filter.sectionId", f.SectionID); err != nil {
		return f, err
	}
	if f.Search = strings.ToLower(CleanTitle(f.Search)); utf8.RuneCountInString(f.Search) > maxSearchLength {
		return f, apperr.Invalid("filter.search", "must be at most %d characters", maxSearchLength)
	}
	if f.MaxPrice != nil && *f.MaxPrice < 0 {
		return f, apperr.Invalid("filter.maxPrice", "must not be negative")
	}
	return f, nil
}

// Menus returns the menu of each vendor, in the ids' order: its sections
// in order, each with its products.
func (s *Service) Menus(ctx context.Context, vendorIDs []string) ([][]MenuSection, error) {
	sections, err := s.store.Menus(ctx, vendorIDs)
	if err != nil {
		return nil, err
	}
	byVendor := make(map[string][]MenuSection, len(vendorIDs))
	for _, sec := range sections {
		byVendor[sec.VendorID] = append(byVendor[sec.VendorID], sec)
	}
	out := make([][]MenuSection, len(vendorIDs))
	for i, id := range vendorIDs {
		out[i] = byVendor[id]
	}
	return out, nil
}

// SectionProducts returns the products of a section, in id order.
func (s *Service) SectionProducts(ctx context.Context, sectionID string) ([]Product, error) {
	return s.store.SectionProducts(ctx, sectionID)
}

// Section returns a menu section by id, NOT_FOUND when there is none.
func (s *Service) Section(ctx context.Context, id string) (Section, error) {
	id, err := ParseID("id", id)
	if err != nil {
		return Section{}, err
	}
	return s.store.Section(ctx, id)
}

// Categories returns the main categories by name.
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	return s.store.Categories(ctx)
}

// CreateCategory adds a main category (callers check that an admin asks).
// id is for demo data only; empty means a fresh id.
func (s *Service) CreateCategory(ctx context.Context, id, name string) (Category, error) {
	name, err := checkTitle("input.name", name, maxNameLength)
	if err != nil {
		return Category{}, err
	}
	if id, err = newID(id, "id"); err != nil {
		return Category{}, err
	}
	c := Category{ID: id, Name: name, CreatedAt: now(s.now)}
	err = s.store.Update(ctx, func(ctx context.Context, tx Tx) error {
		return inInput(tx.InsertCategory(ctx, c))
	})
	if err != nil {
		return Category{}, err
	}
	return c, nil
}

// NewSection is a vendor's new menu section; a nil Position puts it last.
type NewSection struct {
	ID       string // demo data only
	Name     string
	Position *int
}

// CreateSection adds a section to the caller's menu.
func (s *Service) CreateSection(ctx context.Context, vendorID string, in NewSection) (Section, error) {
	vendorID, err := checkVendorID(vendorID)
	if err != nil {
		return Section{}, err
	}
	name, err := checkTitle("input.name", in.Name, maxNameLength)
	if err != nil {
		return Section{}, err
	}
	if in.Position != nil {
		if err := checkPosition(*in.Position); err != nil {
			return Section{}, err
		}
	}
	id, err := newID(in.ID, "id")
	if err != nil {
		return Section{}, err
	}
	sec := Section{ID: id, VendorID: vendorID, Name: name, CreatedAt: now(s.now)}
	err = s.store.Update(ctx, func(ctx context.Context, tx Tx) error {
		if in.Position != nil {
			sec.Position = *in.Position
		} else if sec.Position, err = tx.NextSectionPosition(ctx, vendorID); err != nil {
			return err
		}
		return inInput(tx.InsertSection(ctx, sec))
	})
	if err != nil {
		return Section{}, err
	}
	return sec, nil
}

// SectionChanges renames or moves a section; nil fields stay.
type SectionChanges struct {
	Name     *string
	Position *int
}

// UpdateSection changes the caller's section id.
func (s *Service) UpdateSection(ctx context.Context, vendorID, id string, c SectionChanges) (Section, error) {
	var err error
	if c.Name != nil {
		name, err := checkTitle("input.name", *c.Name, maxNameLength)
		if err != nil {
			return Section{}, err
		}
		c.Name = &name
	}
	if c.Position != nil {
		if err := checkPosition(*c.Position); err != nil {
			return Section{}, err
		}
	}
	var sec Section
	err = s.ownSection(ctx, vendorID, id, func(ctx context.Context, tx Tx, found Section) error {
		sec = found
		if c.Name != nil {
			sec.Name = *c.Name
		}
		if c.Position != nil {
			sec.Position = *c.Position
		}
		return inInput(tx.SaveSection(ctx, sec))
	})
	return sec, err
}

// DeleteSection removes the caller's section id. A section that still
// holds products is CONFLICT: move or delete them first, so that nothing
// leaves a menu by surprise.
func (s *Service) DeleteSection(ctx context.Context, vendorID, id string) (Section, error) {
	var sec Section
	err := s.ownSection(ctx, vendorID, id, func(ctx context.Context, tx Tx, found Section) error {
		sec = found
		inUse, err := tx.SectionInUse(ctx, found.ID)
		if err != nil {
			return err
		}
		if inUse {
			return &apperr.Error{Code: apperr.Conflict, Field: "id", Message: "the section still holds products"}
		}
		return tx.DeleteSection(ctx, found.ID)
	})
	return sec, err
}

// ownSection runs fn on the caller's section id in a transaction:
// NOT_FOUND when there is none, FORBIDDEN when it is another vendor's.
func (s *Service) ownSection(ctx context.Context, vendorID, id string, fn func(context.Context, Tx, Section) error) error {
	id, err := ParseID("id", id)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(ctx context.Context, tx Tx) error {
		sec, err := tx.Section(ctx, id)
		if err != nil {
			return err
		}
		if sec.VendorID != vendorID {
			return apperr.E(apperr.Forbidden, "the section is on another vendor's menu")
		}
		return fn(ctx, tx, sec)
	})
}
