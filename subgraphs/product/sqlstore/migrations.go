package sqlstore

import (
	"fmt"

	"github.com/uptrace/bun/migrate"

	"github.com/platterhq/platter/internal/events/outbox"
	"github.com/platterhq/platter/internal/storage/sqldb"
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
	// commit together.
	for _, m := range outbox.Migrations().Sorted() {
		ms.Add(m)
	}
	return ms
}

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
