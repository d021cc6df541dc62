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

// HandleBatch returns an events.BatchHandler (see events.SubscribeBatch)
// that runs fn at most once per event id for subscriber, like Handle, but
// with one transaction, so one commit, for the whole batch: it looks up
// which ids subscriber has recorded already, records the others, and calls
// fn on them in order (skipping an id met earlier in the same batch), each
// with its event's correlation id in ctx. Any error rolls everything back,
// records included, and is returned: the bus then hands the events one at
// a time to the same handler, which for a single event is Handle. A
// concurrent copy of one of the events, recorded by another transaction
// meanwhile, fails the batch on the unique key, and the one-at-a-time pass
// skips it.
func HandleBatch(subscriber string, db *bun.DB, fn func(ctx context.Context, tx bun.Tx, e events.Envelope) error) events.BatchHandler {
	single := Handle(subscriber, db, fn)
	return func(ctx context.Context, es []events.Envelope) error {
		if len(es) == 1 {
			return single(logging.WithCorrelationID(ctx, es[0].CorrelationID), es[0])
		}
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			fresh, err := unrecorded(ctx, tx, subscriber, es)
			if err != nil || len(fresh) == 0 {
				return err
			}
			now := time.Now().UTC()
			recs := make([]record, len(fresh))
			for i, e := range fresh {
				recs[i] = record{Subscriber: subscriber, EventID: e.ID, EventType: e.Type, ProcessedAt: now}
			}
			if _, err := tx.NewInsert().Model(&recs).Exec(ctx); err != nil {
				return fmt.Errorf("record %d events in the inbox of %s: %w", len(recs), subscriber, err)
			}
			for _, e := range fresh {
				if err := fn(logging.WithCorrelationID(ctx, e.CorrelationID), tx, e); err != nil {
					return fmt.Errorf("event %s: %w", e.ID, err)
				}
			}
			return nil
		})
	}
}

// unrecorded returns the events of es whose ids subscriber has not
// recorded, in order, each id once.
func unrecorded(ctx context.Context, tx bun.Tx, subscriber string, es []events.Envelope) ([]events.Envelope, error) {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	var recorded []string
	err := tx.NewSelect().Model((*record)(nil)).Column("event_id").
		Where("subscriber = ?", subscriber).Where("event_id IN (?)", bun.In(ids)).
		Scan(ctx, &recorded)
	if err != nil {
		return nil, fmt.Errorf("look up %d events in the inbox of %s: %w", len(ids), subscriber, err)
	}
	seen := make(map[string]bool, len(es))
	for _, id := range recorded {
		seen[id] = true
	}
	fresh := make([]events.Envelope, 0, len(es))
	for _, e := range es {
		if !seen[e.ID] {
			seen[e.ID] = true
			fresh = append(fresh, e)
		}
	}
	return fresh, nil
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
