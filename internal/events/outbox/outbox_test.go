package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/outbox"
	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/internal/testenv"
)

// fast keeps the relay's waits short enough for tests.
var fast = outbox.Options{BatchSize: 7, PollInterval: 50 * time.Millisecond, InitialBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}

func TestEveryEventTakesEffectOnceInOrder(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		bus := newBus(t)
		d := consume(t, bus, db, nil)
		opts, failures := fast, &failureLog{}
		opts.Logger = slog.New(failures)
		relay := outbox.NewRelay(db, bus, opts)
		run(t, relay)

		// Four producers, each owning its subjects, commit concurrently:
		// single events, and several events in one transaction.
		const producers, perSubject = 4, 30
		want := map[string][]string{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for p := range producers {
			wg.Go(func() {
				subjects := []string{fmt.Sprintf("item-%d-a", p), fmt.Sprintf("item-%d-b", p)}
				for i := 0; i < perSubject; i++ {
					var envs []events.Envelope
					for _, s := range subjects {
						envs = append(envs, newEvent(t, s))
					}
					if i%3 == 0 {
						envs = append(envs, newEvent(t, subjects[0])) // two about one subject in one commit
					}
					if err := produce(t.Context(), db, envs...); err != nil {
						t.Errorf("produce: %v", err)
						return
					}
					relay.Notify()
					mu.Lock()
					for _, e := range envs {
						want[e.Subject] = append(want[e.Subject], e.ID)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		total := 0
		for _, ids := range want {
			total += len(ids)
		}
		waitEffects(t, db, total)
		checkOnceInOrder(t, db, want)
		if got := d.total(); got != total && failures.count() == 0 {
			t.Errorf("%d deliveries for %d events, though the relay reported no failure", got, total)
		}
		eventually(t, 5*time.Second, func() bool { return pendingCount(t, db) == 0 }, "the outbox to be all sent")
		if lag, err := relay.Lag(t.Context()); err != nil || lag != 0 {
			t.Errorf("Lag with nothing pending = %v, %v; want 0", lag, err)
		}
	})
}

func TestBatchesGoInOnePublishEach(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		bus := newBus(t)
		consume(t, bus, db, nil)
		var mu sync.Mutex
		var sizes []int
		pub := publisherFunc(func(ctx context.Context, es ...events.Envelope) error {
			mu.Lock()
			sizes = append(sizes, len(es))
			mu.Unlock()
			return bus.Publish(ctx, es...)
		})
		envs := make([]events.Envelope, 250)
		for i := range envs {
			envs[i] = newEvent(t, fmt.Sprintf("item-%d", i%10))
		}
		mustProduce(t, db, envs...)
		run(t, outbox.NewRelay(db, pub, outbox.Options{BatchSize: 100, PollInterval: time.Hour}))
		waitEffects(t, db, len(envs))
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(sizes, []int{100, 100, 50}) {
			t.Errorf("Publish calls carried %v events, want [100 100 50]", sizes)
		}
	})
}

func TestDuplicateDeliveryHasOneEffect(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		bus := newBus(t)
		d := consume(t, bus, db, nil)
		e := newEvent(t, "item-1")
		mustProduce(t, db, e)
		run(t, outbox.NewRelay(db, bus, fast))
		// The same envelope again, as a broker redelivery or a replay would.
		for range 3 {
			if err := bus.Publish(t.Context(), e); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, 10*time.Second, func() bool { return d.count(e.ID) == 4 }, "4 deliveries")
		waitEffects(t, db, 1)
	})
}

// A relay that dies after the broker took its batch but before marking it
// sent: simulated by cancelling its context from inside Publish, after the
// events went to the bus. The next relay publishes them again and the
// consumer's inbox absorbs the copies.
func TestRelayStoppedBeforeMarkingRepublishes(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		bus := newBus(t)
		d := consume(t, bus, db, nil)
		envs := []events.Envelope{newEvent(t, "item-1"), newEvent(t, "item-2"), newEvent(t, "item-1")}
		mustProduce(t, db, envs...)

		ctx, kill := context.WithCancel(t.Context())
		var calls atomic.Int32
		dying := publisherFunc(func(_ context.Context, es ...events.Envelope) error {
			calls.Add(1)
			err := bus.Publish(t.Context(), es...)
			kill()
			return err
		})
		if err := outbox.NewRelay(db, dying, fast).Run(ctx); err != nil {
			t.Fatal(err)
		}
		if calls.Load() != 1 {
			t.Fatalf("the dying relay published %d times, want 1", calls.Load())
		}
		waitEffects(t, db, 3)
		if n := pendingCount(t, db); n != 3 {
			t.Fatalf("%d events pending after the relay died before marking, want 3", n)
		}

		run(t, outbox.NewRelay(db, bus, fast))
		eventually(t, 10*time.Second, func() bool { return pendingCount(t, db) == 0 }, "the events to be republished")
		eventually(t, 10*time.Second, func() bool { return d.total() == 6 }, "6 deliveries")
		waitEffects(t, db, 3)
		checkOnceInOrder(t, db, map[string][]string{"item-1": {envs[0].ID, envs[2].ID}, "item-2": {envs[1].ID}})
	})
}

// A publish that reached the broker but whose confirmation was lost fails;
// the relay tries again, and the inbox absorbs the copy.
func TestPublishFailingAfterDeliveryIsRetried(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		bus := newBus(t)
		d := consume(t, bus, db, nil)
		e := newEvent(t, "item-1")
		mustProduce(t, db, e)
		var calls atomic.Int32
		pub := publisherFunc(func(ctx context.Context, es ...events.Envelope) error {
			if err := bus.Publish(ctx, es...); err != nil {
				return err
			}
			if calls.Add(1) == 1 {
				return errors.New("confirm lost")
			}
			return nil
		})
		run(t, outbox.NewRelay(db, pub, fast))
		eventually(t, 10*time.Second, func() bool { return pendingCount(t, db) == 0 }, "the event to be sent")
		eventually(t, 10*time.Second, func() bool { return d.count(e.ID) == 2 }, "2 deliveries")
		waitEffects(t, db, 1)
		var attempts int
		if err := db.NewRaw(`SELECT attempts FROM event_outbox WHERE event_id = ?`, e.ID).Scan(t.Context(), &attempts); err != nil {
			t.Fatal(err)
		}
		if attempts != 1 {
			t.Errorf("attempts = %d, want 1 failed attempt recorded", attempts)
		}
	})
}

// A handler that fails (or panics) after changing state but before the
// commit leaves no trace: the event is redelivered and takes effect once.
func TestHandlerFailureBeforeCommitIsRedelivered(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		bus := newBus(t)
		failing, panicking, fine := newEvent(t, "item-1"), newEvent(t, "item-2"), newEvent(t, "item-1")
		d := consume(t, bus, db, func(e events.Envelope, attempt int) error {
			switch {
			case e.ID == failing.ID && attempt <= 2:
				return errors.New("downstream unavailable")
			case e.ID == panicking.ID && attempt == 1:
				panic("handler bug")
			}
			return nil
		})
		mustProduce(t, db, failing, panicking, fine)
		run(t, outbox.NewRelay(db, bus, fast))
		waitEffects(t, db, 3)
		checkOnceInOrder(t, db, map[string][]string{"item-1": {failing.ID, fine.ID}, "item-2": {panicking.ID}})
		for _, c := range []struct {
			e    events.Envelope
			want int
		}{{failing, 3}, {panicking, 2}, {fine, 1}} {
			if got := d.count(c.e.ID); got != c.want {
				t.Errorf("%s delivered %d times, want %d", c.e.Subject, got, c.want)
			}
		}
	})
}

// The first event of subject A fails to publish a few times. Subject B
// goes on meanwhile; nothing later of A is published before it.
func TestSubjectKeepsOrderWhileItsEarlierEventFails(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		bus := newBus(t)
		consume(t, bus, db, nil)
		a1, b1, a2, b2, a3 := newEvent(t, "a"), newEvent(t, "b"), newEvent(t, "a"), newEvent(t, "b"), newEvent(t, "a")
		mustProduce(t, db, a1, b1, a2)
		mustProduce(t, db, b2, a3)

		var mu sync.Mutex
		var published []string
		failures := 0
		pub := publisherFunc(func(ctx context.Context, es ...events.Envelope) error {
			mu.Lock()
			defer mu.Unlock()
			// Like a broker refusing one message: the whole call fails.
			if slices.ContainsFunc(es, func(e events.Envelope) bool { return e.ID == a1.ID }) && failures < 4 {
				failures++
				return errors.New("nacked")
			}
			for _, e := range es {
				published = append(published, e.ID)
			}
			return bus.Publish(ctx, es...)
		})
		run(t, outbox.NewRelay(db, pub, fast))
		waitEffects(t, db, 5)
		checkOnceInOrder(t, db, map[string][]string{"a": {a1.ID, a2.ID, a3.ID}, "b": {b1.ID, b2.ID}})

		mu.Lock()
		defer mu.Unlock()
		want := []string{b1.ID, b2.ID, a1.ID, a2.ID, a3.ID}
		if !slices.Equal(published, want) {
			t.Errorf("published %v, want b1 b2 (not held up by a1) then a1 a2 a3: %v", published, want)
		}
		var attempts int
		if err := db.NewRaw(`SELECT attempts FROM event_outbox WHERE event_id = ?`, a1.ID).Scan(t.Context(), &attempts); err != nil {
			t.Fatal(err)
		}
		// Each round tries a1 in its batch, then alone; only the latter
		// counts as an attempt of a1.
		if attempts != 2 {
			t.Errorf("a1 attempts = %d, want 2", attempts)
		}
	})
}

// A subject held back by a failing event may have more events waiting than
// a batch holds; the relay reads past them, so other subjects still go.
func TestHeldSubjectLongerThanABatchHoldsUpNoOther(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		bus := newBus(t)
		consume(t, bus, db, nil)
		var stuck []events.Envelope
		for range 3 * fast.BatchSize {
			stuck = append(stuck, newEvent(t, "stuck"))
		}
		mustProduce(t, db, stuck...)
		free := []events.Envelope{newEvent(t, "free"), newEvent(t, "free")}
		mustProduce(t, db, free...)

		var release atomic.Bool
		pub := publisherFunc(func(ctx context.Context, es ...events.Envelope) error {
			if !release.Load() && slices.ContainsFunc(es, func(e events.Envelope) bool { return e.Subject == "stuck" }) {
				return errors.New("nacked")
			}
			return bus.Publish(ctx, es...)
		})
		run(t, outbox.NewRelay(db, pub, fast))
		waitEffects(t, db, len(free))
		if got := effects(t, db); len(got["stuck"]) != 0 || len(got["free"]) != len(free) {
			t.Fatalf("effects while stuck fails: %v", got)
		}
		release.Store(true)
		waitEffects(t, db, len(stuck)+len(free))
		want := map[string][]string{"free": {free[0].ID, free[1].ID}}
		for _, e := range stuck {
			want["stuck"] = append(want["stuck"], e.ID)
		}
		checkOnceInOrder(t, db, want)
	})
}

// While the broker is down the relay backs off instead of spinning, and
// once it is back every event goes, once and in order per subject.
func TestBrokerOutageBacksOffThenDelivers(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		bus := newBus(t)
		consume(t, bus, db, nil)
		want := map[string][]string{}
		for i := range 20 {
			e := newEvent(t, fmt.Sprintf("item-%d", i%5))
			mustProduce(t, db, e)
			want[e.Subject] = append(want[e.Subject], e.ID)
		}
		var down atomic.Bool
		var calls atomic.Int32
		down.Store(true)
		pub := publisherFunc(func(ctx context.Context, es ...events.Envelope) error {
			calls.Add(1)
			if down.Load() {
				return errors.New("connection refused")
			}
			return bus.Publish(ctx, es...)
		})
		run(t, outbox.NewRelay(db, pub, outbox.Options{PollInterval: 50 * time.Millisecond, InitialBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}))
		time.Sleep(500 * time.Millisecond)
		// Each round tries a batch and at most two events alone, then
		// pauses; a relay spinning on the failure would make thousands.
		n := calls.Load()
		if n < 3 || n > 100 {
			t.Errorf("%d Publish calls in 500ms of outage", n)
		}
		t.Logf("%d Publish calls in 500ms of outage", n)
		if n := countEffects(t, db); n != 0 {
			t.Fatalf("%d effects while the broker was down", n)
		}
		down.Store(false)
		waitEffects(t, db, 20)
		checkOnceInOrder(t, db, want)
	})
}

// With a poll interval of an hour, only Notify can make the relay publish.
func TestNotifyWakesTheRelay(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		bus := newBus(t)
		consume(t, bus, db, nil)
		relay := outbox.NewRelay(db, bus, outbox.Options{PollInterval: time.Hour, PruneInterval: time.Hour})
		// The relay's first look publishes what is there, then it sleeps.
		mustProduce(t, db, newEvent(t, "item-0"))
		run(t, relay)
		waitEffects(t, db, 1)

		mustProduce(t, db, newEvent(t, "item-1"))
		time.Sleep(200 * time.Millisecond)
		if n := countEffects(t, db); n != 1 {
			t.Fatalf("the relay published without being notified (%d effects)", n)
		}
		relay.Notify()
		waitEffects(t, db, 2)
		for i := range 5 {
			mustProduce(t, db, newEvent(t, "item-1"))
			start := time.Now()
			relay.Notify()
			eventually(t, 5*time.Second, func() bool { return countEffects(t, db) == i+3 }, "the notified event")
			t.Logf("commit to consumer commit after Notify: %v", time.Since(start))
		}
	})
}

func TestPruneDeletesOldSentRowsOnly(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		ctx := t.Context()
		envs := make([]events.Envelope, 6)
		for i := range envs {
			envs[i] = newEvent(t, fmt.Sprintf("item-%d", i))
		}
		mustProduce(t, db, envs...)
		now := time.Now().UTC()
		old, recent := now.Add(-2*time.Hour), now.Add(-10*time.Minute)
		for i, sentAt := range []*time.Time{&old, &old, &old, &recent, &recent, nil} {
			var err error
			if sentAt != nil {
				_, err = db.NewRaw(`UPDATE event_outbox SET sent_at = ? WHERE event_id = ?`, *sentAt, envs[i].ID).Exec(ctx)
			} else {
				_, err = db.NewRaw(`UPDATE event_outbox SET created_at = ? WHERE event_id = ?`, old, envs[i].ID).Exec(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		relay := outbox.NewRelay(db, publisherFunc(func(context.Context, ...events.Envelope) error { return nil }), outbox.Options{Retention: time.Hour})
		n, err := relay.Prune(ctx)
		if err != nil || n != 3 {
			t.Fatalf("Prune = %d, %v; want 3 rows", n, err)
		}
		var left []string
		if err := db.NewRaw(`SELECT event_id FROM event_outbox ORDER BY seq`).Scan(ctx, &left); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(left, []string{envs[3].ID, envs[4].ID, envs[5].ID}) {
			t.Errorf("rows left %v, want the recent sent ones and the pending one", left)
		}
		if lag, err := relay.Lag(ctx); err != nil || lag < 2*time.Hour {
			t.Errorf("Lag = %v, %v; want the pending row's age, over 2h", lag, err)
		}
	})
}

func TestLagIsTheOldestPendingAge(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		bus := newBus(t)
		consume(t, bus, db, nil)
		relay := outbox.NewRelay(db, bus, fast)
		if lag, err := relay.Lag(t.Context()); err != nil || lag != 0 {
			t.Fatalf("Lag of an empty outbox = %v, %v", lag, err)
		}
		mustProduce(t, db, newEvent(t, "item-1"))
		time.Sleep(100 * time.Millisecond)
		mustProduce(t, db, newEvent(t, "item-2"))
		if lag, err := relay.Lag(t.Context()); err != nil || lag < 100*time.Millisecond || lag > time.Minute {
			t.Fatalf("Lag = %v, %v; want the first event's age", lag, err)
		}
		run(t, relay)
		waitEffects(t, db, 2)
		eventually(t, 5*time.Second, func() bool {
			lag, err := relay.Lag(t.Context())
			return err == nil && lag == 0
		}, "no lag")
	})
}

func TestAddCommitsAndRollsBackWithTheChange(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		ctx := t.Context()
		rolledBack := newEvent(t, "item-1")
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := outbox.Add(ctx, tx, rolledBack); err != nil {
				return err
			}
			return errors.New("the change failed")
		})
		if err == nil {
			t.Fatal("transaction succeeded")
		}
		if n := pendingCount(t, db); n != 0 {
			t.Fatalf("%d events pending after a rollback", n)
		}

		bad := newEvent(t, "item-2")
		bad.Type = "Kitchen.item.changed"
		if err := produce(ctx, db, newEvent(t, "item-2"), bad); !errors.Is(err, events.ErrInvalid) {
			t.Fatalf("Add with an invalid envelope: %v, want ErrInvalid", err)
		}
		long := newEvent(t, fmt.Sprintf("%0256d", 1))
		if err := outbox.Add(ctx, db, long); !errors.Is(err, events.ErrInvalid) {
			t.Fatalf("Add with a 256-character subject: %v, want ErrInvalid", err)
		}
		if n := pendingCount(t, db); n != 0 {
			t.Fatalf("%d events pending after rejected Adds", n)
		}

		e := newEvent(t, "item-3")
		mustProduce(t, db, e)
		err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return outbox.Add(ctx, tx, e) })
		if !sqldb.IsUniqueViolation(err) {
			t.Fatalf("adding an event id twice: %v, want a unique violation", err)
		}
		if err := outbox.Add(ctx, db); err != nil {
			t.Fatalf("Add of nothing: %v", err)
		}
	})
}

func TestRunTwiceConcurrentlyFails(t *testing.T) {
	t.Parallel()
	db, err := sqldb.OpenMigrated(t.Context(), testenv.SQLite(t), migrations())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	relay := outbox.NewRelay(db, newBus(t), fast)
	// Two Runs at once: whichever starts second is refused at once, the
	// other runs until its context ends.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- relay.Run(ctx) }()
	}
	select {
	case err := <-errs:
		if err == nil {
			t.Fatal("a Run ended without being refused")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("neither Run was refused")
	}
	cancel()
	if err := <-errs; err != nil {
		t.Fatalf("the running relay: %v", err)
	}
}

// Several relays on one database (PostgreSQL and MariaDB: SQLite serves a
// single process and relay): every event takes effect once and each
// subject's events in order, while the relays contend for the rows.
func TestSeveralRelaysKeepOrder(t *testing.T) {
	t.Parallel()
	testenv.ForEachSQLEngine(t, migrations(), func(t *testing.T, db *bun.DB) {
		if db.Dialect().Name() == dialect.SQLite {
			t.Skip("SQLite serves one process, which runs one relay")
		}
		bus := newBus(t)
		d := consume(t, bus, db, nil)
		var relays []*outbox.Relay
		for range 3 {
			r := outbox.NewRelay(db, bus, outbox.Options{BatchSize: 5, PollInterval: 20 * time.Millisecond})
			relays = append(relays, r)
			run(t, r)
		}
		const subjects, perSubject = 6, 40
		want := map[string][]string{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for s := range subjects {
			wg.Go(func() {
				subject := fmt.Sprintf("item-%d", s)
				for range perSubject {
					e := newEvent(t, subject)
					if err := produce(t.Context(), db, e); err != nil {
						t.Errorf("produce: %v", err)
						return
					}
					mu.Lock()
					want[subject] = append(want[subject], e.ID)
					mu.Unlock()
					for _, r := range relays {
						r.Notify()
					}
				}
			})
		}
		wg.Wait()
		waitEffects(t, db, subjects*perSubject)
		checkOnceInOrder(t, db, want)
		eventually(t, 5*time.Second, func() bool { return pendingCount(t, db) == 0 }, "the outbox to be all sent")
		t.Logf("%d deliveries for %d events", d.total(), subjects*perSubject)
	})
}
