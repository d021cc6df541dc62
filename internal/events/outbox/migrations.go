package outbox

import (
	"context"
	"fmt"

	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"

	"github.com/platterhq/platter/internal/storage/sqldb"
)

// Migrations returns the migrations of the event_outbox table. A subgraph
// that writes events adds them to its own set, so that one Migrate call
// creates its tables and the outbox:
//
//	ms := migrate.NewMigrations()
//	for _, m := range outbox.Migrations().Sorted() {
//		ms.Add(m)
//	}
func Migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	ms.Add(migrate.Migration{
		Name: "20260601000001", Comment: "create_event_outbox",
		Up: func(ctx context.Context, m *migrate.Migrator, mig *migrate.Migration) error {
			return sqldb.Exec(createOutbox(m.DB().Dialect().Name())...)(ctx, m, mig)
		},
		Down: sqldb.Exec(sqldb.Plain("DROP TABLE event_outbox")),
	})
	ms.Add(migrate.Migration{
		Name: "20260601000002", Comment: "index_event_outbox_retries",
		Up: func(ctx context.Context, m *migrate.Migrator, mig *migrate.Migration) error {
			return sqldb.Exec(createRetryIndex(m.DB().Dialect().Name()))(ctx, m, mig)
		},
		Down: func(ctx context.Context, m *migrate.Migrator, mig *migrate.Migration) error {
			drop := "DROP INDEX event_outbox_retry_idx"
			if m.DB().Dialect().Name() == dialect.MySQL {
				drop += " ON event_outbox"
			}
			return sqldb.Exec(sqldb.Plain(drop))(ctx, m, mig)
		},
	})
	return ms
}

// createRetryIndex indexes the pending events that have failed, which the
// relay reads every round to learn which subjects are held back: few rows
// however long the outbox.
func createRetryIndex(engine dialect.Name) sqldb.Statement {
	if engine == dialect.MySQL {
		return sqldb.Plain(`CREATE INDEX event_outbox_retry_idx ON event_outbox (sent_at, attempts, subject, seq)`)
	}
	return sqldb.Plain(`CREATE INDEX event_outbox_retry_idx ON event_outbox (subject, seq) WHERE sent_at IS NULL AND attempts > 0`)
}

// createOutbox returns the statements creating event_outbox on engine.
//
// seq orders the events: it is assigned when a transaction inserts the row,
// so events about one aggregate, whose transactions are serialised by the
// aggregate's own row, get increasing numbers in commit order.
//
// The relay reads pending rows by seq and checks a subject for earlier
// pending rows; where partial indexes exist they cover only pending rows,
// which stay few however many sent rows are kept. MySQL has none, so there
// sent_at leads the indexes and "sent_at IS NULL" selects the same range.
func createOutbox(engine dialect.Name) []sqldb.Statement {
	table := func(seq, envelope string) sqldb.Statement {
		return func(t sqldb.ColumnTypes) string {
			return fmt.Sprintf(`CREATE TABLE event_outbox (
	seq %[1]s,
	event_id %[2]s NOT NULL,
	type VARCHAR(200) NOT NULL,
	subject %[3]s NOT NULL,
	envelope %[4]s NOT NULL,
	created_at %[5]s NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at %[5]s NOT NULL,
	sent_at %[5]s NULL,
	last_error TEXT NULL,
	CONSTRAINT event_outbox_event_id_key UNIQUE (event_id)
)%[6]s`, seq, t.ID, t.Exact(maxSubject), envelope, t.Time, t.TableOptions)
		}
	}
	switch engine {
	case dialect.PG:
		return []sqldb.Statement{
			table("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "TEXT"),
			sqldb.Plain(`CREATE INDEX event_outbox_pending_idx ON event_outbox (seq) WHERE sent_at IS NULL`),
			sqldb.Plain(`CREATE INDEX event_outbox_subject_idx ON event_outbox (subject, seq) WHERE sent_at IS NULL`),
			sqldb.Plain(`CREATE INDEX event_outbox_sent_idx ON event_outbox (sent_at)`),
		}
	case dialect.MySQL:
		return []sqldb.Statement{
			table("BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY", "MEDIUMTEXT"),
			sqldb.Plain(`CREATE INDEX event_outbox_pending_idx ON event_outbox (sent_at, seq)`),
			sqldb.Plain(`CREATE INDEX event_outbox_subject_idx ON event_outbox (subject, sent_at, seq)`),
		}
	default:
		// AUTOINCREMENT: a number is never reused, even after pruning.
		return []sqldb.Statement{
			table("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
			sqldb.Plain(`CREATE INDEX event_outbox_pending_idx ON event_outbox (seq) WHERE sent_at IS NULL`),
			sqldb.Plain(`CREATE INDEX event_outbox_subject_idx ON event_outbox (subject, seq) WHERE sent_at IS NULL`),
			sqldb.Plain(`CREATE INDEX event_outbox_sent_idx ON event_outbox (sent_at)`),
		}
	}
}
