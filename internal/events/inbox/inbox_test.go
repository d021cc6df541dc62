package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/inbox"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/internal/testenv"
)

func migrations() *migrate.Migrations {
	ms := inbox.Migrations()
	ms.Add(migrate.Migration{
		Name: "20260601100000", Comment: "create_effects",
		Up: sqldb.Exec(func(t sqldb.ColumnTypes) string {
			return fmt.Sprintf(`CREATE TABLE effects (event_id %s NOT NULL, subscriber VARCHAR(64) NOT NULL)%s`, t.ID, t.TableOptions)
		}),
		Down: sqldb.Exec(sqldb.Plain("DROP TABLE effects")),
	})
	return ms
}

func newEvent(t *testing.T, subject string) events.Envelope {
	t.Helper()
	e, err := events.New(t.Context(), "kitchen", "kitchen.item.changed.v1", subject, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// effect records that subscriber handled e; there is no unique key, so a
// second effect shows.
func effect(subscriber string) func(context.Context, bun.Tx, events.Envelope) error {
	return func(ctx context.Context, tx bun.Tx, e events.Envelope) error {
		_, err := tx.NewRaw(`INSERT INTO effects (event_id, subscriber) VALUES (?, ?)`, e.ID, subscriber).Exec(ctx)
		return err
	}
}

func countEffects(t *testing.T, db bun.IDB, subscriber string) int {
	t.Helper()
	var n int
	if err := db.NewRaw(`SELECT COUNT(*) FROM effects WHERE subscriber = ?`, subscriber).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRedeliveryHasNoSecondEffect(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		h := inbox.Handle("tally", db, effect("tally"))
		other := inbox.Handle("audit", db, effect("audit"))
		e := newEvent(t, "item-1")
		for range 3 {
			if err := h(t.Context(), e); err != nil {
				t.Fatalf("handle: %v", err)
			}
		}
		// Another subscriber has its own inbox: the event is new to it.
		if err := other(t.Context(), e); err != nil {
			t.Fatal(err)
		}
		if n := countEffects(t, db, "tally"); n != 1 {
			t.Errorf("tally: %d effects, want 1", n)
		}
		if n := countEffects(t, db, "audit"); n != 1 {
			t.Errorf("audit: %d effects, want 1", n)
		}
	})
}

// Copies handled at the same time (two consumers of one queue, a
// redelivery racing the first delivery): the second waits on the first's
// inbox row, then finds it.
func TestConcurrentCopiesHaveOneEffect(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		h := inbox.Handle("tally", db, func(ctx context.Context, tx bun.Tx, e events.Envelope) error {
			time.Sleep(50 * time.Millisecond) // hold the transaction open
			return effect("tally")(ctx, tx, e)
		})
		for range 5 {
			e := newEvent(t, "item-1")
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Go(func() { errs <- h(t.Context(), e) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("handle: %v", err)
				}
			}
		}
		if n := countEffects(t, db, "tally"); n != 5 {
			t.Errorf("%d effects for 5 events delivered 4 times each, want 5", n)
		}
	})
}

func TestFailureRollsBackTheEffectAndTheRecord(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		attempts := 0
		down := errors.New("downstream unavailable")
		h := events.Recover(inbox.Handle("tally", db, func(ctx context.Context, tx bun.Tx, e events.Envelope) error {
			attempts++
			if err := effect("tally")(ctx, tx, e); err != nil {
				return err
			}
			switch attempts {
			case 1:
				return down
			case 2:
				panic("handler bug")
			}
			return nil
		}))
		e := newEvent(t, "item-1")
		if err := h(t.Context(), e); !errors.Is(err, down) {
			t.Fatalf("first attempt: %v, want the handler's error", err)
		}
		var pe *events.PanicError
		if err := h(t.Context(), e); !errors.As(err, &pe) {
			t.Fatalf("second attempt: %v, want the panic", err)
		}
		if n := countEffects(t, db, "tally"); n != 0 {
			t.Fatalf("%d effects after failed attempts, want none", n)
		}
		for range 2 {
			if err := h(t.Context(), e); err != nil {
				t.Fatalf("later attempt: %v", err)
			}
		}
		if attempts != 3 || countEffects(t, db, "tally") != 1 {
			t.Errorf("handler ran %d times with %d effects; want 3 runs, 1 effect", attempts, countEffects(t, db, "tally"))
		}
	})
}

func TestPruneForgetsOldEvents(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		ctx := t.Context()
		h := inbox.Handle("tally", db, effect("tally"))
		old, recent := newEvent(t, "item-1"), newEvent(t, "item-2")
		for _, e := range []events.Envelope{old, recent} {
			if err := h(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		_, err := db.NewRaw(`UPDATE event_inbox SET processed_at = ? WHERE event_id = ?`, time.Now().UTC().Add(-8*24*time.Hour), old.ID).Exec(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n, err := inbox.Prune(ctx, db, inbox.DefaultRetention)
		if err != nil || n != 1 {
			t.Fatalf("Prune = %d, %v; want 1", n, err)
		}
		// The pruned event would take effect again; the recent one not.
		for _, e := range []events.Envelope{old, recent} {
			if err := h(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if n := countEffects(t, db, "tally"); n != 3 {
			t.Errorf("%d effects, want 3 (the pruned event once more)", n)
		}

		// PruneEvery prunes at once, then on every tick.
		_, err = db.NewRaw(`UPDATE event_inbox SET processed_at = ?`, time.Now().UTC().Add(-time.Hour)).Exec(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- inbox.PruneEvery(pctx, db, 10*time.Millisecond, time.Minute, logging.Discard()) }()
		deadline := time.Now().Add(5 * time.Second)
		for {
			var left int
			if err := db.NewRaw(`SELECT COUNT(*) FROM event_inbox`).Scan(ctx, &left); err != nil {
				t.Fatal(err)
			}
			if left == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("PruneEvery left %d rows", left)
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("PruneEvery: %v", err)
		}
	})
}

func recordedIDs(t *testing.T, db bun.IDB, subscriber string) map[string]bool {
	t.Helper()
	var ids []string
	if err := db.NewRaw(`SELECT event_id FROM event_inbox WHERE subscriber = ?`, subscriber).Scan(context.Background(), &ids); err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	for _, id := range ids {
		set[id] = true
	}
	return set
}

func TestBatchSkipsDuplicatesWithinAndAcrossBatches(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		var order []string
		h := inbox.HandleBatch("tally", db, func(ctx context.Context, tx bun.Tx, e events.Envelope) error {
			order = append(order, e.ID)
			return effect("tally")(ctx, tx, e)
		})
		a, b, c, d := newEvent(t, "item-1"), newEvent(t, "item-2"), newEvent(t, "item-1"), newEvent(t, "item-3")
		if err := h(t.Context(), []events.Envelope{a, b, a, c}); err != nil {
			t.Fatalf("first batch: %v", err)
		}
		// a and c are known now; b is repeated within the batch too.
		if err := h(t.Context(), []events.Envelope{c, b, d, b, a}); err != nil {
			t.Fatalf("second batch: %v", err)
		}
		// A lone event takes the single-event path, which knows the batches' ids.
		if err := h(t.Context(), []events.Envelope{d}); err != nil {
			t.Fatalf("lone event: %v", err)
		}
		want := []string{a.ID, b.ID, c.ID, d.ID}
		if fmt.Sprint(order) != fmt.Sprint(want) {
			t.Errorf("fn called on %v, want %v", order, want)
		}
		if n := countEffects(t, db, "tally"); n != 4 {
			t.Errorf("%d effects for 4 distinct events, want 4", n)
		}
		if ids := recordedIDs(t, db, "tally"); len(ids) != 4 {
			t.Errorf("%d ids recorded, want 4", len(ids))
		}
	})
}

func TestBatchFailureRecordsNothing(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		es := []events.Envelope{newEvent(t, "item-1"), newEvent(t, "item-2"), newEvent(t, "item-3")}
		down := errors.New("downstream unavailable")
		failOn := es[2].ID
		h := events.RecoverBatch(inbox.HandleBatch("tally", db, func(ctx context.Context, tx bun.Tx, e events.Envelope) error {
			if err := effect("tally")(ctx, tx, e); err != nil {
				return err
			}
			switch failOn {
			case e.ID:
				return down
			case "panic:" + e.ID:
				panic("handler bug")
			}
			return nil
		}))
		if err := h(t.Context(), es); !errors.Is(err, down) {
			t.Fatalf("failing batch: %v, want the handler's error", err)
		}
		failOn = "panic:" + es[1].ID
		var pe *events.PanicError
		if err := h(t.Context(), es); !errors.As(err, &pe) {
			t.Fatalf("panicking batch: %v, want the panic", err)
		}
		if n, ids := countEffects(t, db, "tally"), recordedIDs(t, db, "tally"); n != 0 || len(ids) != 0 {
			t.Fatalf("%d effects and %d ids recorded after failed batches, want none", n, len(ids))
		}
		failOn = ""
		if err := h(t.Context(), es); err != nil {
			t.Fatalf("batch: %v", err)
		}
		if n := countEffects(t, db, "tally"); n != 3 {
			t.Errorf("%d effects, want 3", n)
		}
	})
}
