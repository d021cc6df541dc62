// Package sqldb opens bun databases for PostgreSQL, MySQL/MariaDB and SQLite
// from one URL, and hides the few dialect differences the stores and their
// migrations meet.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"
	"github.com/uptrace/bun/migrate"
	"modernc.org/sqlite"
)

// Open connects to the database named by rawURL and pings it:
//
//	postgres://user:pass@host:5432/db?sslmode=disable
//	mysql://user:pass@host:3306/db
//	sqlite:///absolute/path/file.db  or  sqlite:relative/file.db
func Open(ctx context.Context, rawURL string) (*bun.DB, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	var db *bun.DB
	switch u.Scheme {
	case "postgres", "postgresql":
		sqldb, err := sql.Open("pgx", rawURL)
		if err != nil {
			return nil, err
		}
		db = bun.NewDB(sqldb, pgdialect.New())
	case "mysql":
		dsn, err := mysqlDSN(u)
		if err != nil {
			return nil, err
		}
		sqldb, err := sql.Open("mysql", dsn)
		if err != nil {
			return nil, err
		}
		db = bun.NewDB(sqldb, mysqldialect.New())
	case "sqlite":
		path := u.Opaque
		if path == "" {
			path = u.Path
		}
		if path == "" {
			return nil, errors.New("database url: sqlite needs a file path")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		// WAL with synchronous=NORMAL is several times faster for writes and
		// still durable across application crashes; the busy timeout lets
		// concurrent writers wait instead of failing.
		dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)"
		sqldb, err := sql.Open(sqliteshim.ShimName, dsn)
		if err != nil {
			return nil, err
		}
		// One writer at a time is what SQLite allows anyway.
		sqldb.SetMaxOpenConns(1)
		db = bun.NewDB(sqldb, sqlitedialect.New())
	default:
		return nil, fmt.Errorf("database url: unsupported scheme %q (postgres, mysql or sqlite)", u.Scheme)
	}
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", u.Scheme, err)
	}
	return db, nil
}

// mysqlDSN turns mysql://user:pass@host:port/db?x=y into the driver's DSN,
// with the options Platter's stores rely on.
func mysqlDSN(u *url.URL) (string, error) {
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if !strings.Contains(cfg.Addr, ":") {
		cfg.Addr += ":3306"
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if cfg.DBName == "" {
		return "", errors.New("database url: mysql needs a database name")
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.Params = map[string]string{"charset": "utf8mb4"}
	cfg.Collation = "utf8mb4_unicode_ci"
	cfg.MultiStatements = true
	for k, v := range u.Query() {
		cfg.Params[k] = v[0]
	}
	return cfg.FormatDSN(), nil
}

// IsUniqueViolation reports whether err is a unique-constraint violation on
// any of the three dialects.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		return myErr.Number == 1062
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		// SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY
		return liteErr.Code() == 2067 || liteErr.Code() == 1555
	}
	return false
}

// OpenMigrated opens the database at rawURL, as Open does, and applies its
// pending migrations; the caller closes the database.
func OpenMigrated(ctx context.Context, rawURL string, migrations *migrate.Migrations) (*bun.DB, error) {
	db, err := Open(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	if err := Migrate(ctx, db, migrations); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// Migrate applies every pending migration under a lock.
func Migrate(ctx context.Context, db *bun.DB, migrations *migrate.Migrations) error {
	// Record a migration only once it has run, so a failed one is retried.
	m := migrate.NewMigrator(db, migrations, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("init migrations: %w", err)
	}
	if err := m.Lock(ctx); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	defer m.Unlock(ctx) //nolint:errcheck // unlock failure leaves a lock row the next start reports
	if _, err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
