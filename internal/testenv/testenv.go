// Package testenv gives tests fresh databases on the real servers of the
// machine (PostgreSQL, MariaDB, Redis, RabbitMQ) and on the embedded ones
// (SQLite, the embedded MongoDB-wire server), token keys, and a binary's
// run served on a free port. A required server that cannot be reached
// fails the test with a message; it is never skipped.
//
// Environment (all optional):
//
//	TEST_POSTGRES_URL  admin URL, default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
//	TEST_MYSQL_URL     admin URL, default mysql://root@127.0.0.1:3306/mysql
//	TEST_REDIS_URL     default redis://127.0.0.1:6379/0
//	TEST_AMQP_URL      default amqp://guest:guest@127.0.0.1:5672/
//	MONGO_URI          a real MongoDB; without it the embedded server is used
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/ferret"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/storage/redisdb"
	"github.com/platterhq/platter/internal/storage/sqldb"
)

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// Name returns a unique lower-case name with the given prefix, usable as a
// database name on every server.
func Name(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

func withDatabase(rawURL, db string) string {
	u, _ := url.Parse(rawURL)
	u.Path = "/" + db
	return u.String()
}

// Postgres creates a fresh database on the PostgreSQL server, drops it when
// the test ends, and returns its URL.
func Postgres(tb testing.TB) string {
	tb.Helper()
	admin := env("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	return freshSQL(tb, "PostgreSQL", "TEST_POSTGRES_URL", admin, `CREATE DATABASE %s`, `DROP DATABASE IF EXISTS %s WITH (FORCE)`)
}

// MariaDB creates a fresh database on the MariaDB/MySQL server, drops it when
// the test ends, and returns its URL.
func MariaDB(tb testing.TB) string {
	tb.Helper()
	admin := env("TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql")
	return freshSQL(tb, "MariaDB", "TEST_MYSQL_URL", admin, `CREATE DATABASE %s CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`, `DROP DATABASE IF EXISTS %s`)
}

func freshSQL(tb testing.TB, server, envKey, admin, create, drop string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sqldb.Open(ctx, admin)
	if err != nil {
		tb.Fatalf("%s is required for this test and is unreachable at %s (%v); start it or set %s", server, redact(admin), err, envKey)
	}
	defer db.Close()
	name := Name("platter_test")
	if _, err := db.ExecContext(ctx, fmt.Sprintf(create, name)); err != nil {
		tb.Fatalf("create %s database: %v", server, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := sqldb.Open(ctx, admin)
		if err != nil {
			tb.Errorf("drop %s database %s: %v", server, name, err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, fmt.Sprintf(drop, name)); err != nil {
			tb.Errorf("drop %s database %s: %v", server, name, err)
		}
	})
	return withDatabase(admin, name)
}

// SQLite returns the URL of a fresh SQLite file in the test's temp dir.
func SQLite(tb testing.TB) string {
	tb.Helper()
	return "sqlite:" + filepath.Join(tb.TempDir(), "test.db")
}

// SQLDatabases returns a fresh database URL on each SQL engine Platter
// supports, by name, so one store suite can run against all of them.
func SQLDatabases(tb testing.TB) map[string]string {
	tb.Helper()
	return map[string]string{"sqlite": SQLite(tb), "postgres": Postgres(tb), "mariadb": MariaDB(tb)}
}

var (
	ferretOnce sync.Once
	ferretSrv  *ferret.Server
	ferretErr  error
)

// Mongo returns a MongoDB URI and a fresh database name, dropped when the
// test ends: on the server at MONGO_URI when set, otherwise on an embedded
// server shared by the test binary.
func Mongo(tb testing.TB) (uri, database string) {
	tb.Helper()
	uri = os.Getenv("MONGO_URI")
	if uri == "" {
		ferretOnce.Do(func() {
			dir, err := os.MkdirTemp("", "platter-ferret-")
			if err != nil {
				ferretErr = err
				return
			}
			ferretSrv, ferretErr = ferret.Start(dir, logging.Discard())
		})
		if ferretErr != nil {
			tb.Fatalf("start embedded mongodb: %v", ferretErr)
		}
		uri = ferretSrv.URI()
	}
	database = Name("platter_test")
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		client, err := mongodb.Connect(ctx, uri)
		if err != nil {
			tb.Errorf("drop mongo database: %v", err)
			return
		}
		defer client.Disconnect(ctx) //nolint:errcheck
		if err := client.Database(database).Drop(ctx); err != nil {
			tb.Errorf("drop mongo database %s: %v", database, err)
		}
	})
	return uri, database
}

// UsingRealMongo reports whether Mongo tests run against MONGO_URI.
func UsingRealMongo() bool { return os.Getenv("MONGO_URI") != "" }

// Redis returns the URL of the Redis server after checking it answers. Tests
// share the server: use keys prefixed with Name.
func Redis(tb testing.TB) string {
	tb.Helper()
	u := env("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
	c, err := redisdb.Open(u)
	if err != nil {
		tb.Fatalf("TEST_REDIS_URL: %v", err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := redisdb.Ping(ctx, c); err != nil {
		tb.Fatalf("Redis is required for this test and is unreachable at %s (%v); start it or set TEST_REDIS_URL", u, err)
	}
	return u
}

// RabbitMQ returns the AMQP URL of the broker after checking it accepts
// connections.
func RabbitMQ(tb testing.TB) string {
	tb.Helper()
	u := env("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
	parsed, err := url.Parse(u)
	if err != nil {
		tb.Fatalf("TEST_AMQP_URL: %v", err)
	}
	host := parsed.Host
	if !strings.Contains(host, ":") {
		host += ":5672"
	}
	conn, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		tb.Fatalf("RabbitMQ is required for this test and is unreachable at %s (%v); start it or set TEST_AMQP_URL", host, err)
	}
	conn.Close()
	return u
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	return u.Redacted()
}

// ForEachSQLEngine runs test in a subtest per SQL engine, on a fresh
// database with migrations applied twice: they run on every start, so the
// second time must be a no-op.
func ForEachSQLEngine(t *testing.T, migrations *migrate.Migrations, test func(t *testing.T, db *bun.DB)) {
	t.Helper()
	for engine, url := range SQLDatabases(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db, err := sqldb.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := sqldb.Migrate(ctx, db, migrations); err != nil {
				t.Fatal(err)
			}
			if err := sqldb.Migrate(ctx, db, migrations); err != nil {
				t.Fatalf("migrate twice: %v", err)
			}
			test(t, db)
		})
	}
}
