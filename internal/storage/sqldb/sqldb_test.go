package sqldb_test

import (
	"context"
	"testing"

	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/internal/testenv"
)

func TestUniqueViolationOnEveryDialect(t *testing.T) {
	for engine, url := range testenv.SQLDatabases(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db, err := sqldb.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.ExecContext(ctx, `CREATE TABLE t (email VARCHAR(100) PRIMARY KEY)`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO t (email) VALUES ('a@b.c')`); err != nil {
				t.Fatal(err)
			}
			_, err = db.ExecContext(ctx, `INSERT INTO t (email) VALUES ('a@b.c')`)
			if !sqldb.IsUniqueViolation(err) {
				t.Fatalf("duplicate insert: got %v, want a unique violation", err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO t (email) VALUES ('x@y.z')`); sqldb.IsUniqueViolation(err) || err != nil {
				t.Fatalf("distinct insert: %v", err)
			}
		})
	}
}

func TestOpenRejectsUnknownScheme(t *testing.T) {
	if _, err := sqldb.Open(context.Background(), "oracle://x/y"); err == nil {
		t.Fatal("want an error for an unsupported scheme")
	}
}
