package sqlstore

import (
	"github.com/uptrace/bun/migrate"

	"github.com/platterhq/platter/internal/storage/sqldb"
)

// Migrations returns the review schema's migrations, oldest first.
func Migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	ms.Add(migrate.Migration{
		Name: "20260501000000", Comment: "create_reviews",
		Up: sqldb.Exec(
			createReviews,
			// A customer reviews each target of an order once.
			sqldb.Plain(`CREATE UNIQUE INDEX reviews_order_target_key ON reviews (order_id, target_type, target_id)`),
			sqldb.Plain(`CREATE INDEX reviews_target_idx ON reviews (target_type, target_id, created_at)`),
			sqldb.Plain(`CREATE INDEX reviews_author_idx ON reviews (author_id, created_at)`),
		),
		Down: sqldb.Exec(sqldb.Plain("DROP TABLE reviews")),
	})
	return ms
}

// Ids are VARCHAR(36) on every engine, in the database's default collation
// on MySQL, and the table takes the database's defaults: databases already
// hold this table, and a new one must get the same.
func createReviews(t sqldb.ColumnTypes) string {
	return `CREATE TABLE reviews (
    id          VARCHAR(36) PRIMARY KEY,
    author_id   VARCHAR(36) NOT NULL,
    order_id    VARCHAR(36) NOT NULL,
    target_type VARCHAR(10) NOT NULL,
    target_id   VARCHAR(36) NOT NULL,
    rating      SMALLINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment     VARCHAR(500) NOT NULL,
    created_at  ` + t.Time + ` NOT NULL
)`
}
