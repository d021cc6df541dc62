package sqlstore

import (
	"github.com/uptrace/bun/migrate"

	"github.com/platterhq/platter/internal/storage/sqldb"
)

// Migrations returns the order schema's migrations, oldest first.
func Migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	ms.Add(migrate.Migration{
		Name: "20260501000000", Comment: "create_orders",
		Up: sqldb.Exec(
			createOrders,
			sqldb.Plain(`CREATE UNIQUE INDEX orders_number_key ON orders (number)`),
			sqldb.Plain(`CREATE INDEX orders_customer_idx ON orders (customer_id, placed_at)`),
			sqldb.Plain(`CREATE INDEX orders_vendor_idx ON orders (vendor_id, placed_at)`),
		),
		Down: sqldb.Exec(sqldb.Plain("DROP TABLE orders")),
	})
	return ms
}

// Ids are VARCHAR(36) on every engine, in the database's default collation
// on MySQL, and the table takes the database's defaults: databases already
// hold this table, and a new one must get the same.
func createOrders(t sqldb.ColumnTypes) string {
	return `CREATE TABLE orders (
    id          VARCHAR(36) PRIMARY KEY,
    number      VARCHAR(16) NOT NULL,
    customer_id VARCHAR(36) NOT NULL,
    vendor_id   VARCHAR(36) NOT NULL,
    status      VARCHAR(20) NOT NULL,
    placed_at   ` + t.Time + ` NOT NULL
)`
}
