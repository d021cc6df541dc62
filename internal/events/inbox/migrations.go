package inbox

import (
	"fmt"

	"github.com/uptrace/bun/migrate"

	"github.com/platterhq/platter/internal/storage/sqldb"
)

// Migrations returns the migrations of the event_inbox table. A subgraph
// that consumes events adds them to its own set:
//
//	for _, m := range inbox.Migrations().Sorted() {
//		ms.Add(m)
//	}
func Migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	ms.Add(migrate.Migration{
		Name: "20260601000002", Comment: "create_event_inbox",
		Up: sqldb.Exec(
			createInbox,
			sqldb.Plain(`CREATE INDEX event_inbox_processed_idx ON event_inbox (processed_at)`),
		),
		Down: sqldb.Exec(sqldb.Plain("DROP TABLE event_inbox")),
	})
	return ms
}

// The primary key is the deduplication: one row per subscriber and event.
func createInbox(t sqldb.ColumnTypes) string {
	return fmt.Sprintf(`CREATE TABLE event_inbox (
	subscriber %[1]s NOT NULL,
	event_id %[2]s NOT NULL,
	event_type VARCHAR(200) NOT NULL,
	processed_at %[3]s NOT NULL,
	PRIMARY KEY (subscriber, event_id)
)%[4]s`, t.Exact(64), t.ID, t.Time, t.TableOptions)
}
