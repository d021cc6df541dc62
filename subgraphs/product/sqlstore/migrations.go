package sqlstore

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/platterhq/platter/internal/events/inbox"
	"github.com/platterhq/platter/internal/events/outbox"
	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/subgraphs/product/catalog"
)

// Migrations returns the product schema's migrations, oldest first. Each is
// one statement, so a failure leaves nothing half-applied even on MySQL,
// where DDL does not roll back.
func Migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	ms.Add(migrate.Migration{
		Name: "20261125000001", Comment: "create_products",
		Up:   sqldb.Exec(createProducts),
		Down: sqldb.Exec(sqldb.Plain("DROP TABLE products")),
	})
	// The outbox lives beside the products, so a product and its event
	// commit together; the inbox beside the replicas the consumers keep.
	for _, m := range outbox.Migrations().Sorted() {
		ms.Add(m)
	}
	for _, m := range inbox.Migrations().Sorted() {
		ms.Add(m)
	}

	steps := []struct {
		comment string
		up      sqldb.Statement
	}{
		// Defaults fill the rows made before the column existed.
		{"add_products_price", addColumn("price BIGINT NOT NULL DEFAULT 0")},
		{"add_products_discount_percent", addColumn("discount_percent INTEGER NOT NULL DEFAULT 0")},
		// final_price is kept beside the price so that maxPrice filters on
		// what customers pay, with an index if needed, on every engine.
		{"add_products_final_price", addColumn("final_price BIGINT NOT NULL DEFAULT 0")},
		{"add_products_image_asset_id", func(t sqldb.ColumnTypes) string {
			return fmt.Sprintf("ALTER TABLE products ADD COLUMN image_asset_id %s NOT NULL DEFAULT ''", t.ID)
		}},
		{"add_products_category_id", func(t sqldb.ColumnTypes) string {
			return fmt.Sprintf("ALTER TABLE products ADD COLUMN category_id %s NOT NULL DEFAULT ''", t.ID)
		}},
		{"add_products_section_id", func(t sqldb.ColumnTypes) string {
			return fmt.Sprintf("ALTER TABLE products ADD COLUMN section_id %s NOT NULL DEFAULT ''", t.ID)
		}},
		// search_text is catalog.SearchText, lower-cased in Go so that a
		// search ignores case alike on every engine.
		{"add_products_search_text", addColumn("search_text VARCHAR(1200) NOT NULL DEFAULT ''")},
		{"add_products_deleted", addColumn("deleted BOOLEAN NOT NULL DEFAULT FALSE")},
		{"add_products_version", addColumn("version BIGINT NOT NULL DEFAULT 1")},
		{"create_products_vendor_idx", sqldb.Plain("CREATE INDEX products_vendor_idx ON products (vendor_id, id)")},
		{"create_products_category_idx", sqldb.Plain("CREATE INDEX products_category_idx ON products (category_id, id)")},
		{"create_products_section_idx", sqldb.Plain("CREATE INDEX products_section_idx ON products (section_id, id)")},
		{"create_products_image_idx", sqldb.Plain("CREATE INDEX products_image_idx ON products (image_asset_id)")},
		{"create_vendors", createVendors},
		{"create_categories", createCategories},
		{"create_menu_sections", createMenuSections},
		{"create_menu_sections_vendor_idx", sqldb.Plain("CREATE INDEX menu_sections_vendor_idx ON menu_sections (vendor_id, menu_position, id)")},
	}
	for i, st := range steps {
		ms.Add(migrate.Migration{Name: fmt.Sprintf("202611260000%02d", i+1), Comment: st.comment, Up: sqldb.Exec(st.up), Down: noDown})
	}
	ms.Add(migrate.Migration{Name: "20261126000100", Comment: "fill_products_search_text", Up: fillSearchText, Down: noDown})
	return ms
}

func addColumn(def string) sqldb.Statement {
	return sqldb.Plain("ALTER TABLE products ADD COLUMN " + def)
}

// noDown: these steps are only ever rolled back with the whole database.
func noDown(context.Context, *migrate.Migrator, *migrate.Migration) error { return nil }

// The unique constraint on (vendor_id, title_key) is what keeps titles
// unique on a menu; title_key is compared byte for byte on every engine so
// that case folding is decided by catalog.TitleKey, not by a collation.
func createProducts(t sqldb.ColumnTypes) string {
	return fmt.Sprintf(`CREATE TABLE products (
	id %[1]s NOT NULL PRIMARY KEY,
	vendor_id %[2]s NOT NULL,
	title VARCHAR(100) NOT NULL,
	title_key %[3]s NOT NULL,
	description TEXT NOT NULL,
	available BOOLEAN NOT NULL,
	created_at %[4]s NOT NULL,
	updated_at %[4]s NOT NULL,
	CONSTRAINT products_vendor_title_key UNIQUE (vendor_id, title_key)
)%[5]s`, t.ID, t.Exact(64), t.Exact(400), t.Time, t.TableOptions)
}

// vendors is the replica of what the vendor subgraph says of vendors; a
// product write locks its vendor's row, so it also serialises a vendor's
// product writes with a change of the vendor's status.
func createVendors(t sqldb.ColumnTypes) string {
	return fmt.Sprintf(`CREATE TABLE vendors (
	id %[1]s NOT NULL PRIMARY KEY,
	name VARCHAR(200) NOT NULL,
	name_key VARCHAR(200) NOT NULL,
	status VARCHAR(20) NOT NULL,
	version BIGINT NOT NULL
)%[2]s`, t.Exact(64), t.TableOptions)
}

func createCategories(t sqldb.ColumnTypes) string {
	return fmt.Sprintf(`CREATE TABLE categories (
	id %[1]s NOT NULL PRIMARY KEY,
	name VARCHAR(60) NOT NULL,
	name_key %[2]s NOT NULL,
	created_at %[3]s NOT NULL,
	CONSTRAINT categories_name_key UNIQUE (name_key)
)%[4]s`, t.ID, t.Exact(240), t.Time, t.TableOptions)
}

func createMenuSections(t sqldb.ColumnTypes) string {
	return fmt.Sprintf(`CREATE TABLE menu_sections (
	id %[1]s NOT NULL PRIMARY KEY,
	vendor_id %[2]s NOT NULL,
	name VARCHAR(60) NOT NULL,
	name_key %[3]s NOT NULL,
	menu_position INTEGER NOT NULL,
	created_at %[4]s NOT NULL,
	CONSTRAINT menu_sections_vendor_name_key UNIQUE (vendor_id, name_key)
)%[5]s`, t.ID, t.Exact(64), t.Exact(240), t.Time, t.TableOptions)
}

// fillSearchText computes search_text for the products made before it
// existed.
func fillSearchText(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error {
	return m.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			ID          string `bun:"id"`
			Title       string `bun:"title"`
			Description string `bun:"description"`
		}
		if err := tx.NewSelect().Table("products").Column("id", "title", "description").Where("search_text = ''").Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := tx.NewUpdate().Table("products").Set("search_text = ?", catalog.SearchText(r.Title, r.Description)).
				Where("id = ?", r.ID).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}
