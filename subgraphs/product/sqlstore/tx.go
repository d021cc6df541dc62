package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/outbox"
	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/subgraphs/product/catalog"
)

// tx is one transaction of the store.
type tx struct {
	tx        bun.Tx
	published bool // events were added: wake the relay after commit
}

var _ catalog.Tx = (*tx)(nil)

// forUpdate holds the rows q selects until commit. SQLite has no row
// locks and needs none: it runs one writing transaction at a time.
func (t *tx) forUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if t.tx.Dialect().Name() == dialect.SQLite {
		return q
	}
	return q.For("UPDATE")
}

func (t *tx) LockVendor(ctx context.Context, id string) (catalog.Vendor, error) {
	ins := t.tx.NewInsert().Model(&vendorRow{ID: id})
	if t.tx.Dialect().Name() == dialect.MySQL {
		// InnoDB takes a shared lock on the row INSERT IGNORE finds, and two
		// writers holding it then deadlock on FOR UPDATE; this form takes
		// the exclusive lock at once.
		ins = ins.On("DUPLICATE KEY UPDATE id = id")
	} else {
		ins = ins.Ignore()
	}
	if _, err := ins.Exec(ctx); err != nil {
		return catalog.Vendor{}, err
	}
	var r vendorRow
	if err := t.forUpdate(t.tx.NewSelect().Model(&r).Where("id = ?", id)).Scan(ctx); err != nil {
		return catalog.Vendor{}, err
	}
	return catalog.Vendor{ID: r.ID, Name: r.Name, Status: r.Status, Version: r.Version}, nil
}

func (t *tx) SaveVendor(ctx context.Context, v catalog.Vendor) error {
	_, err := t.tx.NewUpdate().Model(&vendorRow{
		ID: v.ID, Name: v.Name, NameKey: strings.ToLower(v.Name), Status: v.Status, Version: v.Version,
	}).WherePK().Exec(ctx)
	return err
}

// ProductForUpdate reads the bare row: callers lock the vendor first and
// know its status.
func (t *tx) ProductForUpdate(ctx context.Context, id string) (catalog.Product, error) {
	var r productRow
	err := t.forUpdate(t.tx.NewSelect().Model(&r).Where("id = ?", id)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Product{}, apperr.E(apperr.NotFound, "product not found")
	}
	if err != nil {
		return catalog.Product{}, err
	}
	return fromRow(r), nil
}

func (t *tx) VendorProducts(ctx context.Context, vendorID string) ([]catalog.Product, error) {
	var rows []productRow
	q := t.tx.NewSelect().Model(&rows).Where("vendor_id = ?", vendorID).Where("deleted = ?", false).OrderExpr("id")
	if err := t.forUpdate(q).Scan(ctx); err != nil {
		return nil, err
	}
	return fromRows(rows), nil
}

func (t *tx) ProductsWithImage(ctx context.Context, assetID string) ([]catalog.Product, error) {
	var rows []productRow
	if err := t.tx.NewSelect().Model(&rows).Where("image_asset_id = ?", assetID).Where("deleted = ?", false).Scan(ctx); err != nil {
		return nil, err
	}
	return fromRows(rows), nil
}

var errTitleTaken = &apperr.Error{Code: apperr.Conflict, Field: "title", Message: "the vendor already has a product with this title"}

func (t *tx) InsertProduct(ctx context.Context, p catalog.Product) error {
	_, err := t.tx.NewInsert().Model(toRow(p)).Exec(ctx)
	if sqldb.IsUniqueViolation(err) {
		return errTitleTaken
	}
	return err
}

func (t *tx) SaveProduct(ctx context.Context, p catalog.Product) error {
	_, err := t.tx.NewUpdate().Model(toRow(p)).WherePK().Exec(ctx)
	if sqldb.IsUniqueViolation(err) {
		return errTitleTaken
	}
	return err
}

func (t *tx) Category(ctx context.Context, id string) (catalog.Category, error) {
	var r categoryRow
	err := t.tx.NewSelect().Model(&r).Where("id = ?", id).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Category{}, apperr.E(apperr.NotFound, "category not found")
	}
	if err != nil {
		return catalog.Category{}, err
	}
	return r.category(), nil
}

func (t *tx) InsertCategory(ctx context.Context, c catalog.Category) error {
	_, err := t.tx.NewInsert().Model(&categoryRow{ID: c.ID, Name: c.Name, NameKey: catalog.TitleKey(c.Name), CreatedAt: c.CreatedAt.UTC()}).Exec(ctx)
	if sqldb.IsUniqueViolation(err) {
		return &apperr.Error{Code: apperr.Conflict, Field: "name", Message: "a category with this name exists"}
	}
	return err
}

func (t *tx) Section(ctx context.Context, id string) (catalog.Section, error) {
	return section(ctx, t.tx, id)
}

func (t *tx) NextSectionPosition(ctx context.Context, vendorID string) (int, error) {
	var last sql.NullInt64
	err := t.tx.NewSelect().Table("menu_sections").ColumnExpr("MAX(menu_position)").Where("vendor_id = ?", vendorID).Scan(ctx, &last)
	if err != nil {
		return 0, err
	}
	if !last.Valid {
		return 0, nil
	}
	return int(last.Int64) + 1, nil
}

var errSectionNameTaken = &apperr.Error{Code: apperr.Conflict, Field: "name", Message: "the menu already has a section with this name"}

func (t *tx) InsertSection(ctx context.Context, s catalog.Section) error {
	_, err := t.tx.NewInsert().Model(toSectionRow(s)).Exec(ctx)
	if sqldb.IsUniqueViolation(err) {
		return errSectionNameTaken
	}
	return err
}

func (t *tx) SaveSection(ctx context.Context, s catalog.Section) error {
	_, err := t.tx.NewUpdate().Model(toSectionRow(s)).WherePK().Exec(ctx)
	if sqldb.IsUniqueViolation(err) {
		return errSectionNameTaken
	}
	return err
}

func (t *tx) DeleteSection(ctx context.Context, id string) error {
	_, err := t.tx.NewDelete().Model((*sectionRow)(nil)).Where("id = ?", id).Exec(ctx)
	return err
}

func (t *tx) SectionInUse(ctx context.Context, id string) (bool, error) {
	return t.tx.NewSelect().Model((*productRow)(nil)).Where("section_id = ?", id).Where("deleted = ?", false).Exists(ctx)
}

func (t *tx) Publish(ctx context.Context, evs ...events.Envelope) error {
	if err := outbox.Add(ctx, t.tx, evs...); err != nil {
		return err
	}
	t.published = t.published || len(evs) > 0
	return nil
}
