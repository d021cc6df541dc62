package sqldb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"

	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/internal/testenv"
)

func TestColumnTypesOnEveryDialect(t *testing.T) {
	ms := migrate.NewMigrations()
	ms.Add(migrate.Migration{
		Name: "20260101000001", Comment: "create_dishes",
		Up: sqldb.Exec(func(c sqldb.ColumnTypes) string {
			return fmt.Sprintf(`CREATE TABLE dishes (id %s NOT NULL PRIMARY KEY, title_key %s NOT NULL UNIQUE, created_at %s NOT NULL)%s`,
				c.ID, c.Exact(20), c.Time, c.TableOptions)
		}),
		Down: sqldb.Exec(sqldb.Plain("DROP TABLE dishes")),
	})
	testenv.ForEachSQLEngine(t, ms, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		at := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
		// Keys differing only in case or accents are distinct on every engine.
		for i, key := range []string{"pad thai", "PAD THAI", "pâd thai"} {
			id := fmt.Sprintf("019abc00-0000-7000-8000-00000000000%d", i)
			if _, err := db.ExecContext(ctx, "INSERT INTO dishes (id, title_key, created_at) VALUES (?, ?, ?)", id, key, at); err != nil {
				t.Fatalf("insert %q: %v", key, err)
			}
		}
		var got time.Time
		if err := db.NewSelect().Table("dishes").Column("created_at").Where("id = ?", "019abc00-0000-7000-8000-000000000000").Scan(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(at) {
			t.Fatalf("created_at read back as %v, want %v", got, at)
		}
	})
}

// Where DDL is transactional, a migration that fails part-way leaves
// nothing behind.
func TestExecRollsBackAFailedMigration(t *testing.T) {
	for engine, url := range testenv.SQLDatabases(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			ms := migrate.NewMigrations()
			ms.Add(migrate.Migration{
				Name: "20260101000001", Comment: "half_done",
				Up: sqldb.Exec(
					sqldb.Plain("CREATE TABLE half (id INTEGER NOT NULL PRIMARY KEY)"),
					sqldb.Plain("CREATE INDEX half_missing_idx ON half (missing)"),
				),
				Down: sqldb.Exec(sqldb.Plain("DROP TABLE half")),
			})
			db, err := sqldb.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := sqldb.Migrate(ctx, db, ms); err == nil {
				t.Fatal("a migration with a bad statement succeeded")
			}
			if db.Dialect().Name() == dialect.MySQL {
				return // MySQL commits DDL as it runs
			}
			if _, err := db.ExecContext(ctx, "SELECT COUNT(*) FROM half"); err == nil {
				t.Fatal("the failed migration left its table behind")
			}
		})
	}
}

func TestOpenMigratedReportsAFailedMigration(t *testing.T) {
	ms := migrate.NewMigrations()
	ms.Add(migrate.Migration{Name: "20260101000001", Comment: "broken", Up: sqldb.Exec(sqldb.Plain("NOT SQL"))})
	if db, err := sqldb.OpenMigrated(context.Background(), testenv.SQLite(t), ms); err == nil {
		db.Close()
		t.Fatal("opened with a failing migration")
	}
}
