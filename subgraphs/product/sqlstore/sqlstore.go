// Package sqlstore keeps products, menu sections, main categories and the
// vendors replica in SQL through bun: MySQL in services mode, SQLite in dev
// mode, and PostgreSQL, all from the same code.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/inbox"
	"github.com/platterhq/platter/subgraphs/product/catalog"
)

// Store is the product store.
type Store struct {
	db *bun.DB
	// onCommit is called after a write that added events commits, to wake
	// the outbox relay at once instead of at its next poll. It may be set
	// while writes run.
	onCommit atomic.Pointer[func()]
}

var _ catalog.Store = (*Store)(nil)

// New returns the store on db, once Migrations are applied.
func New(db *bun.DB) *Store { return &Store{db: db} }

// OnCommit registers the function called after a write with events commits.
func (s *Store) OnCommit(f func()) { s.onCommit.Store(&f) }

func (s *Store) committed() {
	if f := s.onCommit.Load(); f != nil {
		(*f)()
	}
}

// Update runs fn in a transaction.
func (s *Store) Update(ctx context.Context, fn func(context.Context, catalog.Tx) error) error {
	t := &tx{}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, btx bun.Tx) error {
		t.tx = btx
		return fn(ctx, t)
	})
	if err == nil && t.published {
		s.committed()
	}
	return err
}

// HandleBatch returns a batch handler that runs fn at most once per event
// id for subscriber, a batch of events in one transaction with their inbox
// records (see inbox.HandleBatch), and wakes the relay when fn published
// events.
func (s *Store) HandleBatch(subscriber string, fn func(context.Context, catalog.Tx, events.Envelope) error) events.BatchHandler {
	return func(ctx context.Context, es []events.Envelope) error {
		// One call is one transaction: every fn call of it shares t.
		t := &tx{}
		err := inbox.HandleBatch(subscriber, s.db, func(ctx context.Context, btx bun.Tx, e events.Envelope) error {
			t.tx = btx
			return fn(ctx, t, e)
		})(ctx, es)
		if err == nil && t.published {
			s.committed()
		}
		return err
	}
}

// productRow is a row of products; the scanonly fields come from the
// joins of productQuery.
type productRow struct {
	bun.BaseModel `bun:"table:products,alias:p"`

	ID              string    `bun:"id,pk"`
	VendorID        string    `bun:"vendor_id"`
	Title           string    `bun:"title"`
	TitleKey        string    `bun:"title_key"`
	Description     string    `bun:"description"`
	Price           int64     `bun:"price"`
	DiscountPercent int       `bun:"discount_percent"`
	FinalPrice      int64     `bun:"final_price"`
	ImageAssetID    string    `bun:"image_asset_id"`
	CategoryID      string    `bun:"category_id"`
	SectionID       string    `bun:"section_id"`
	SearchText      string    `bun:"search_text"`
	Available       bool      `bun:"available"`
	Deleted         bool      `bun:"deleted"`
	Version         int64     `bun:"version"`
	CreatedAt       time.Time `bun:"created_at"`
	UpdatedAt       time.Time `bun:"updated_at"`

	VendorStatus sql.NullString `bun:"vendor_status,scanonly"`
	CategoryName sql.NullString `bun:"category_name,scanonly"`
	SectionName  sql.NullString `bun:"section_name,scanonly"`
	SectionPos   sql.NullInt64  `bun:"section_position,scanonly"`
	// VendorRank is the row's place among its vendor's products, where a
	// query numbers them (VendorsFirstProducts).
	VendorRank sql.NullInt64 `bun:"vendor_rank,scanonly"`
}

func toRow(p catalog.Product) *productRow {
	titleKey := catalog.TitleKey(p.Title)
	if p.Deleted {
		// A deleted product keeps its row but frees its title: the key
		// becomes unique to the row, so the vendor may reuse the title.
		titleKey = "deleted:" + p.ID
	}
	return &productRow{
		ID: p.ID, VendorID: p.VendorID, Title: p.Title, TitleKey: titleKey, Description: p.Description,
		Price: p.Price, DiscountPercent: p.DiscountPercent, FinalPrice: p.FinalPrice(),
		ImageAssetID: p.ImageAssetID, CategoryID: p.CategoryID, SectionID: p.SectionID,
		SearchText: catalog.SearchText(p.Title, p.Description),
		Available:  p.Available, Deleted: p.Deleted, Version: p.Version,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
}

func fromRow(r productRow) catalog.Product {
	return catalog.Product{
		ID: r.ID, VendorID: r.VendorID, Title: r.Title, Description: r.Description,
		Price: r.Price, DiscountPercent: r.DiscountPercent, ImageAssetID: r.ImageAssetID,
		CategoryID: r.CategoryID, SectionID: r.SectionID, Available: r.Available,
		VendorTrading: r.VendorStatus.String == catalog.VendorApproved,
		Deleted:       r.Deleted, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		CategoryName: r.CategoryName.String, SectionName: r.SectionName.String, SectionPosition: int(r.SectionPos.Int64),
	}
}

func fromRows(rows []productRow) []catalog.Product {
	out := make([]catalog.Product, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out
}

// productQuery selects products that are not deleted, with their vendor's
// status and their category's and section's names.
func productQuery(db bun.IDB, rows any) *bun.SelectQuery {
	return db.NewSelect().Model(rows).
		ColumnExpr("p.*").
		ColumnExpr("v.status AS vendor_status").
		ColumnExpr("c.name AS category_name").
		ColumnExpr("s.name AS section_name").
		ColumnExpr("s.menu_position AS section_position").
		Join("LEFT JOIN vendors AS v ON v.id = p.vendor_id").
		Join("LEFT JOIN categories AS c ON c.id = p.category_id").
		Join("LEFT JOIN menu_sections AS s ON s.id = p.section_id").
		Where("p.deleted = ?", false)
}

func (s *Store) Product(ctx context.Context, id string) (catalog.Product, error) {
	var r productRow
	err := productQuery(s.db, &r).Where("p.id = ?", id).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Product{}, apperr.E(apperr.NotFound, "product not found")
	}
	if err != nil {
		return catalog.Product{}, err
	}
	return fromRow(r), nil
}

func (s *Store) Products(ctx context.Context, ids []string) ([]catalog.Product, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []productRow
	if err := productQuery(s.db, &rows).Where("p.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	return fromRows(rows), nil
}

func (s *Store) List(ctx context.Context, f catalog.Filter, after string, limit int) ([]catalog.Product, bool, error) {
	var rows []productRow
	q := productQuery(s.db, &rows).OrderExpr("p.id ASC").Limit(int64(limit + 1))
	if after != "" {
		q = q.Where("p.id > ?", after)
	}
	if f.VendorID != "" {
		q = q.Where("p.vendor_id = ?", f.VendorID)
	}
	if f.CategoryID != "" {
		q = q.Where("p.category_id = ?", f.CategoryID)
	}
	if f.SectionID != "" {
		q = q.Where("p.section_id = ?", f.SectionID)
	}
	if f.MaxPrice != nil {
		q = q.Where("p.final_price <= ?", *f.MaxPrice)
	}
	if f.Available != nil {
		if *f.Available {
			q = q.Where("p.available = ? AND v.status = ?", true, catalog.VendorApproved)
		} else {
			q = q.Where("(p.available = ? OR v.status IS NULL OR v.status <> ?)", false, catalog.VendorApproved)
		}
	}
	if f.Search != "" {
		// "!" escapes LIKE's wildcards: it reads the same on every engine,
		// unlike a backslash, which MySQL also treats in string literals.
		pattern := "%" + likeEscaper.Replace(f.Search) + "%"
		q = q.Where("(p.search_text LIKE ? ESCAPE '!' OR v.name_key LIKE ? ESCAPE '!')", pattern, pattern)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, false, err
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	return fromRows(rows), more, nil
}

var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

func (s *Store) Menus(ctx context.Context, vendorIDs []string) ([]catalog.MenuSection, error) {
	if len(vendorIDs) == 0 {
		return nil, nil
	}
	var secs []sectionRow
	if err := s.db.NewSelect().Model(&secs).Where("vendor_id IN (?)", bun.List(vendorIDs)).
		OrderExpr("vendor_id, menu_position, id").Scan(ctx); err != nil {
		return nil, err
	}
	if len(secs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(secs))
	for i, r := range secs {
		ids[i] = r.ID
	}
	var rows []productRow
	if err := productQuery(s.db, &rows).Where("p.section_id IN (?)", bun.List(ids)).OrderExpr("p.id").Scan(ctx); err != nil {
		return nil, err
	}
	bySection := make(map[string][]catalog.Product, len(secs))
	for _, r := range rows {
		bySection[r.SectionID] = append(bySection[r.SectionID], fromRow(r))
	}
	out := make([]catalog.MenuSection, len(secs))
	for i, r := range secs {
		out[i] = catalog.MenuSection{Section: r.section(), Products: bySection[r.ID]}
	}
	return out, nil
}

func (s *Store) SectionProducts(ctx context.Context, sectionID string) ([]catalog.Product, error) {
	var rows []productRow
	if err := productQuery(s.db, &rows).Where("p.section_id = ?", sectionID).OrderExpr("p.id").Scan(ctx); err != nil {
		return nil, err
	}
	return fromRows(rows), nil
}

// VendorsFirstProducts numbers each vendor's products by id and keeps the
// first limit of each, so a batch of vendors costs one query whatever the
// size of their catalogues.
func (s *Store) VendorsFirstProducts(ctx context.Context, vendorIDs []string, limit int) ([]catalog.Product, error) {
	if len(vendorIDs) == 0 || limit <= 0 {
		return nil, nil
	}
	ranked := productQuery(s.db, (*productRow)(nil)).
		ColumnExpr("ROW_NUMBER() OVER (PARTITION BY p.vendor_id ORDER BY p.id) AS vendor_rank").
		Where("p.vendor_id IN (?)", bun.List(vendorIDs))
	var rows []productRow
	err := s.db.NewSelect().TableExpr("(?) AS ranked", ranked).ColumnExpr("ranked.*").
		Where("ranked.vendor_rank <= ?", limit).OrderExpr("ranked.vendor_id, ranked.id").
		Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	return fromRows(rows), nil
}

func (s *Store) Categories(ctx context.Context) ([]catalog.Category, error) {
	var rows []categoryRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("name_key, id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]catalog.Category, len(rows))
	for i, r := range rows {
		out[i] = r.category()
	}
	return out, nil
}

func (s *Store) Section(ctx context.Context, id string) (catalog.Section, error) {
	return section(ctx, s.db, id)
}

type categoryRow struct {
	bun.BaseModel `bun:"table:categories"`

	ID        string    `bun:"id,pk"`
	Name      string    `bun:"name"`
	NameKey   string    `bun:"name_key"`
	CreatedAt time.Time `bun:"created_at"`
}

func (r categoryRow) category() catalog.Category {
	return catalog.Category{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt.UTC()}
}

type sectionRow struct {
	bun.BaseModel `bun:"table:menu_sections"`

	ID        string    `bun:"id,pk"`
	VendorID  string    `bun:"vendor_id"`
	Name      string    `bun:"name"`
	NameKey   string    `bun:"name_key"`
	Position  int       `bun:"menu_position"`
	CreatedAt time.Time `bun:"created_at"`
}

func (r sectionRow) section() catalog.Section {
	return catalog.Section{ID: r.ID, VendorID: r.VendorID, Name: r.Name, Position: r.Position, CreatedAt: r.CreatedAt.UTC()}
}

func toSectionRow(s catalog.Section) *sectionRow {
	return &sectionRow{ID: s.ID, VendorID: s.VendorID, Name: s.Name, NameKey: catalog.TitleKey(s.Name), Position: s.Position, CreatedAt: s.CreatedAt.UTC()}
}

func section(ctx context.Context, db bun.IDB, id string) (catalog.Section, error) {
	var r sectionRow
	err := db.NewSelect().Model(&r).Where("id = ?", id).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Section{}, apperr.E(apperr.NotFound, "menu section not found")
	}
	if err != nil {
		return catalog.Section{}, err
	}
	return r.section(), nil
}

type vendorRow struct {
	bun.BaseModel `bun:"table:vendors"`

	ID      string `bun:"id,pk"`
	Name    string `bun:"name"`
	NameKey string `bun:"name_key"`
	Status  string `bun:"status"`
	Version int64  `bun:"version"`
}
