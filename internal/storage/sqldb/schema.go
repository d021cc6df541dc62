package sqldb

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
)

// ColumnTypes are the column types whose spelling differs between the
// engines, so that one migration serves all three.
type ColumnTypes struct {
	// ID holds a UUID in canonical text form, compared byte for byte.
	ID string
	// Time holds an instant with microseconds, written in UTC.
	Time string
	// TableOptions ends a CREATE TABLE: on MySQL the table states its engine
	// and character set, as the database's defaults may predate utf8mb4.
	// Elsewhere it is empty.
	TableOptions string

	dialect dialect.Name
}

func typesOf(db *bun.DB) ColumnTypes {
	switch name := db.Dialect().Name(); name {
	case dialect.PG:
		return ColumnTypes{ID: "VARCHAR(36)", Time: "TIMESTAMPTZ", dialect: name}
	case dialect.MySQL:
		return ColumnTypes{
			ID: "CHAR(36) CHARACTER SET ascii COLLATE ascii_bin", Time: "DATETIME(6)", dialect: name,
			TableOptions: " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
		}
	default:
		return ColumnTypes{ID: "TEXT", Time: "TIMESTAMP", dialect: name}
	}
}

// Exact is a string of at most n characters compared byte for byte. MySQL's
// usual collations ignore case and accents; PostgreSQL's and SQLite's
// defaults already compare exactly.
func (t ColumnTypes) Exact(n int) string {
	if t.dialect == dialect.MySQL {
		return fmt.Sprintf("VARCHAR(%d) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", n)
	}
	return fmt.Sprintf("VARCHAR(%d)", n)
}

// Statement builds one SQL statement with the column types of the engine it
// runs on.
type Statement func(ColumnTypes) string

// Plain is a statement that reads the same on every engine.
func Plain(sql string) Statement {
	return func(ColumnTypes) string { return sql }
}

// Exec returns a migration step, a migrate.Migration's Up or Down, that runs
// stmts in order. PostgreSQL and SQLite run them in one transaction; MySQL
// commits each DDL statement as it runs, so there a failure keeps the
// statements before it.
func Exec(stmts ...Statement) func(context.Context, *migrate.Migrator, *migrate.Migration) error {
	return func(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error {
		db := m.DB()
		types := typesOf(db)
		run := func(ctx context.Context, conn bun.IConn) error {
			for _, stmt := range stmts {
				if _, err := conn.ExecContext(ctx, stmt(types)); err != nil {
					return err
				}
			}
			return nil
		}
		if types.dialect == dialect.MySQL {
			return run(ctx, db)
		}
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return run(ctx, tx) })
	}
}
