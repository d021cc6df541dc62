// Package inbox makes the SQL subgraphs' event handlers idempotent. Handle
// runs a handler in a transaction that also records the event's id for its
// subscriber in the event_inbox table; a delivery of an id already
// recorded is acknowledged without running the handler again, so a
// redelivered or republished event never takes effect twice.
//
// A handler that publishes follow-up events adds them to the outbox with
// the same transaction (outbox.Add(ctx, tx, ...)); to have them sent at
// once, wake the relay after Handle's handler returns nil:
//
//	h := inbox.Handle("vendor", db, c.CountOrderOnOrderPlaced)
//	mux[events.OrderPlaced] = func(ctx context.Context, e events.Envelope) error {
//		if err := h(ctx, e); err != nil {
//			return err
//		}
//		relay.Notify()
//		return nil
//	}
package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/sqldb"
)

// DefaultRetention is how long an event id is remembered. It has to
// outlast every way a copy can still arrive: a relay republishing after a
// crash (seconds), a broker redelivering (minutes), an operator replaying a
// dead letter (the event was never recorded, so that copy takes effect,
// once).
const DefaultRetention = 7 * 24 * time.Hour

// record is a row of event_inbox: subscriber has handled event EventID.
type record struct {
	bun.BaseModel `bun:"table:event_inbox"`

	Subscriber  string    `bun:"subscriber"`
	EventID     string    `bun:"event_id"`
	EventType   string    `bun:"event_type"`
	ProcessedAt time.Time `bun:"processed_at"`
}

// errHandled ends the transaction of a delivery already handled.
var errHandled = errors.New("event already handled")

// Handle returns an events.Handler that runs fn at most once per event id
// for subscriber. Each delivery begins a transaction and records the id in
// it first: if subscriber has it already, the delivery is acknowledged
// (nil) and fn is not called. Otherwise fn runs in the same transaction,
// which commits if fn returns nil; any error rolls back fn's changes and
// the record and is returned, so the bus tries again later. A concurrent
// copy of the same event waits on the record's unique key and then finds
// it taken.
func Handle(subscriber string, db *bun.DB, fn func(ctx context.Context, tx bun.Tx, e events.Envelope) error) events.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			rec := &record{Subscriber: subscriber, EventID: e.ID, EventType: e.Type, ProcessedAt: time.Now().UTC()}
			if _, err := tx.NewInsert().Model(rec).Exec(ctx); err != nil {
				if sqldb.IsUniqueViolation(err) {
					return errHandled
				}
				return fmt.Errorf("record event %s in the inbox of %s: %w", e.ID, subscriber, err)
			}
			return fn(ctx, tx, e)
		})
		if errors.Is(err, errHandled) {
			return nil
		}
		return err
	}
}

// Prune forgets the events handled more than retention ago and returns how
// many it forgot.
func Prune(ctx context.Context, db bun.IDB, retention time.Duration) (int64, error) {
	res, err := db.NewRaw(`DELETE FROM event_inbox WHERE processed_at < ?`, time.Now().UTC().Add(-retention)).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("prune inbox: %w", err)
	}
	return res.RowsAffected()
}

// PruneEvery runs Prune now and then every interval until ctx is done, and
// returns nil then; failures are logged and tried again at the next tick.
func PruneEvery(ctx context.Context, db bun.IDB, interval, retention time.Duration, log *slog.Logger) error {
	if log == nil {
		log = logging.Discard()
	}
	if interval <= 0 {
		return fmt.Errorf("inbox prune interval %v is not positive", interval)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := Prune(ctx, db, retention); err != nil && ctx.Err() == nil {
			log.WarnContext(ctx, "inbox prune failed", "err", err)
		} else if n > 0 {
			log.DebugContext(ctx, "inbox pruned", "rows", n)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil
		}
	}
}
