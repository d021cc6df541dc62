package sqlstore

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"

	"github.com/platterhq/platter/internal/storage/sqldb"
)

// Migrate applies the deliveryman schema's pending migrations; it is safe
// to run on every start.
func Migrate(ctx context.Context, db *bun.DB) error {
	return sqldb.Migrate(ctx, db, Migrations())
}

// Migrations returns the deliveryman schema's migrations, oldest first.
// Each is one statement, so a failure leaves nothing half-applied even on
// MySQL, where DDL does not roll back.
func Migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	ms.Add(migrate.Migration{
		Name: "20261125000001", Comment: "create_couriers",
		Up:   execSQL(createCouriers),
		Down: execSQL(func(columnTypes) string { return "DROP TABLE couriers" }),
	})
	return ms
}

// The CHECK keeps availability to the values the domain knows, whatever
// writes to the table.
func createCouriers(t columnTypes) string {
	return fmt.Sprintf(`CREATE TABLE couriers (
	id %[1]s NOT NULL PRIMARY KEY,
	name VARCHAR(100) NOT NULL,
	availability VARCHAR(16) NOT NULL DEFAULT 'OFFLINE',
	created_at %[2]s NOT NULL,
	updated_at %[2]s NOT NULL,
	CONSTRAINT couriers_availability_known CHECK (availability IN ('AVAILABLE', 'BUSY', 'OFFLINE'))
)%[3]s`, t.ID, t.Time, t.TableOptions)
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
}

func typesOf(db *bun.DB) columnTypes {
	switch db.Dialect().Name() {
	case dialect.PG:
		return columnTypes{ID: "VARCHAR(36)", Time: "TIMESTAMPTZ"}
	case dialect.MySQL:
		return columnTypes{
			ID: "CHAR(36) CHARACTER SET ascii COLLATE ascii_bin", Time: "DATETIME(6)",
			// The database's defaults may predate utf8mb4; the table says what it needs.
			TableOptions: " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
		}
	default:
		return columnTypes{ID: "TEXT", Time: "TIMESTAMP"}
	}
}
