package sqlstore

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"

	"github.com/platterhq/platter/internal/storage/sqldb"
)

// Migrate applies the product schema's pending migrations; it is safe to
// run on every start.
func Migrate(ctx context.Context, db *bun.DB) error {
	return sqldb.Migrate(ctx, db, Migrations())
}

// Migrations returns the product schema's migrations, oldest first. Each is
// one statement, so a failure leaves nothing half-applied even on MySQL,
// where DDL does not roll back.
func Migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	ms.Add(migrate.Migration{
		Name: "20261125000001", Comment: "create_products",
		Up:   execSQL(createProducts),
		Down: execSQL(func(columnTypes) string { return "DROP TABLE products" }),
	})
	return ms
}

// The unique constraint on (vendor_id, title_key) is what keeps titles
// unique on a menu; title_key is compared byte for byte on every engine so
// that case folding is decided by catalog.TitleKey, not by a collation.
func createProducts(t columnTypes) string {
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
)%[5]s`, t.ID, t.exact(64), t.exact(400), t.Time, t.TableOptions)
}

type migrationFunc = func(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error

func execSQL(stmt func(columnTypes) string) migrationFunc {
	return func(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error {
		_, err := m.DB().ExecContext(ctx, stmt(typesOf(m.DB())))
		return err
	}
}

// columnTypes are the few column types that differ between the engines.
type columnTypes struct {
	ID           string // a UUID in canonical text form
	Time         string // an instant with microseconds, written in UTC
	TableOptions string
	name         dialect.Name
}

func typesOf(db *bun.DB) columnTypes {
	switch name := db.Dialect().Name(); name {
	case dialect.PG:
		return columnTypes{ID: "VARCHAR(36)", Time: "TIMESTAMPTZ", name: name}
	case dialect.MySQL:
		return columnTypes{
			ID: "CHAR(36) CHARACTER SET ascii COLLATE ascii_bin", Time: "DATETIME(6)", name: name,
			// The database's defaults may predate utf8mb4; the table says what it needs.
			TableOptions: " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
		}
	default:
		return columnTypes{ID: "TEXT", Time: "TIMESTAMP", name: name}
	}
}

// exact is a string of at most n characters compared byte for byte (MySQL's
// usual collations ignore case and accents; PostgreSQL's and SQLite's
// defaults already compare exactly).
func (t columnTypes) exact(n int) string {
	if t.name == dialect.MySQL {
		return fmt.Sprintf("VARCHAR(%d) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", n)
	}
	return fmt.Sprintf("VARCHAR(%d)", n)
}
