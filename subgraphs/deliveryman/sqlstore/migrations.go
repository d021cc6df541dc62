package sqlstore

import (
	"fmt"

	"github.com/uptrace/bun/migrate"

	"github.com/platterhq/platter/internal/storage/sqldb"
)

// Migrations returns the deliveryman schema's migrations, oldest first.
// Each is one statement, so a failure leaves nothing half-applied even on
// MySQL, where DDL does not roll back.
func Migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	ms.Add(migrate.Migration{
		Name: "20261125000001", Comment: "create_couriers",
		Up:   sqldb.Exec(createCouriers),
		Down: sqldb.Exec(sqldb.Plain("DROP TABLE couriers")),
	})
	return ms
}

// The CHECK keeps availability to the values the domain knows, whatever
// writes to the table.
func createCouriers(t sqldb.ColumnTypes) string {
	return fmt.Sprintf(`CREATE TABLE couriers (
	id %[1]s NOT NULL PRIMARY KEY,
	name VARCHAR(100) NOT NULL,
	availability VARCHAR(16) NOT NULL DEFAULT 'OFFLINE',
	created_at %[2]s NOT NULL,
	updated_at %[2]s NOT NULL,
	CONSTRAINT couriers_availability_known CHECK (availability IN ('AVAILABLE', 'BUSY', 'OFFLINE'))
)%[3]s`, t.ID, t.Time, t.TableOptions)
}
