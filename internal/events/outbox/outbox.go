// Package outbox is the transactional outbox of the SQL subgraphs. Add
// writes events into the event_outbox table inside the transaction that
// makes the change they describe, so the change and its events commit or
// roll back together; a Relay then publishes them, at least once and in
// order per subject, and marks them sent only once the publisher has
// confirmed them.
//
// A store adapter uses it like this:
//
//	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
//		if _, err := tx.NewUpdate().Model(&order).WherePK().Exec(ctx); err != nil {
//			return err
//		}
//		return outbox.Add(ctx, tx, placed)
//	})
//	if err == nil {
//		relay.Notify() // publish now rather than at the next poll
//	}
//
// Events of one subject keep their order as long as the transactions that
// add them are serialised on the subject's own row (an update of it, or a
// SELECT ... FOR UPDATE), which a store changing the aggregate does anyway:
// the outbox numbers rows as they are inserted.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/platterhq/platter/internal/events"
)

// maxSubject is the longest subject the table holds, in characters.
const maxSubject = 255

// record is a new row of event_outbox; the database numbers it.
type record struct {
	bun.BaseModel `bun:"table:event_outbox"`

	EventID       string    `bun:"event_id"`
	Type          string    `bun:"type"`
	Subject       string    `bun:"subject"`
	Envelope      string    `bun:"envelope"`
	CreatedAt     time.Time `bun:"created_at"`
	Attempts      int       `bun:"attempts"`
	NextAttemptAt time.Time `bun:"next_attempt_at"`
}

// Add records envs, in order, to be published once the transaction tx
// commits. tx should be the transaction of the state change the events
// describe; an invalid envelope fails the whole call (wrapping
// events.ErrInvalid) and adds nothing. An event id already in the outbox
// is a unique violation (sqldb.IsUniqueViolation).
func Add(ctx context.Context, tx bun.IDB, envs ...events.Envelope) error {
	if len(envs) == 0 {
		return nil
	}
	now := time.Now().UTC()
	rows := make([]record, len(envs))
	for i, e := range envs {
		if err := e.Validate(); err != nil {
			return err
		}
		if n := len([]rune(e.Subject)); n > maxSubject {
			return fmt.Errorf("%w: subject of %s is %d characters, the outbox holds %d", events.ErrInvalid, e.ID, n, maxSubject)
		}
		raw, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode event %s: %w", e.ID, err)
		}
		rows[i] = record{
			EventID: e.ID, Type: e.Type, Subject: e.Subject, Envelope: string(raw),
			CreatedAt: now, NextAttemptAt: now,
		}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("add %d events to the outbox: %w", len(rows), err)
	}
	return nil
}
