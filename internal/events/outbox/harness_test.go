package outbox_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/inbox"
	"github.com/platterhq/platter/internal/events/outbox"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/sqldb"
)

// Event type of the tests; its first word is the source.
const itemChanged = "kitchen.item.changed.v1"

// migrations is what a subgraph producing and consuming events would run:
// its own tables, the outbox and the inbox in one set.
func migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	for _, set := range []*migrate.Migrations{outbox.Migrations(), inbox.Migrations()} {
		for _, m := range set.Sorted() {
			ms.Add(m)
		}
	}
	ms.Add(migrate.Migration{
		Name: "20260601100000", Comment: "create_test_tables",
		Up: sqldb.Exec(
			// notes is the producer's state; effects the consumer's, one row
			// per effect with no unique key, so a second effect would show.
			func(t sqldb.ColumnTypes) string {
				return fmt.Sprintf(`CREATE TABLE notes (id %s NOT NULL PRIMARY KEY, subject VARCHAR(255) NOT NULL)%s`, t.ID, t.TableOptions)
			},
			func(t sqldb.ColumnTypes) string {
				return fmt.Sprintf(`CREATE TABLE effects (event_id %s NOT NULL, subject VARCHAR(255) NOT NULL, n INTEGER NOT NULL)%s`, t.ID, t.TableOptions)
			},
		),
		Down: sqldb.Exec(sqldb.Plain("DROP TABLE effects"), sqldb.Plain("DROP TABLE notes")),
	})
	return ms
}

func newEvent(tb testing.TB, subject string) events.Envelope {
	tb.Helper()
	e, err := events.New(context.Background(), "kitchen", itemChanged, subject, map[string]string{"subject": subject})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// produce commits each envelope's note and the envelope in one
// transaction per call, as a store adapter does.
func produce(ctx context.Context, db *bun.DB, envs ...events.Envelope) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, e := range envs {
			if _, err := tx.NewRaw(`INSERT INTO notes (id, subject) VALUES (?, ?)`, e.ID, e.Subject).Exec(ctx); err != nil {
				return err
			}
		}
		return outbox.Add(ctx, tx, envs...)
	})
}

func mustProduce(tb testing.TB, db *bun.DB, envs ...events.Envelope) {
	tb.Helper()
	if err := produce(context.Background(), db, envs...); err != nil {
		tb.Fatalf("produce: %v", err)
	}
}

// applyEffect is the consumer's state change: the n-th effect on a subject
// gets number n, so the effects of a subject read back in handling order.
func applyEffect(ctx context.Context, tx bun.Tx, e events.Envelope) error {
	var n int
	if err := tx.NewRaw(`SELECT COUNT(*) FROM effects WHERE subject = ?`, e.Subject).Scan(ctx, &n); err != nil {
		return err
	}
	_, err := tx.NewRaw(`INSERT INTO effects (event_id, subject, n) VALUES (?, ?, ?)`, e.ID, e.Subject, n+1).Exec(ctx)
	return err
}

func newBus(t *testing.T) *events.MemoryBus {
	t.Helper()
	bus := events.NewMemoryBus(logging.Discard(), events.WithRetry(events.Retry{
		MaxAttempts: 20, InitialBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond,
	}))
	t.Cleanup(func() { _ = bus.Close() })
	return bus
}

// deliveries counts what the bus handed the consumer, per event id.
type deliveries struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *deliveries) count(id string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[id]
}

func (d *deliveries) total() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	sum := 0
	for _, n := range d.n {
		sum += n
	}
	return sum
}

// consume subscribes the "tally" consumer: applyEffect behind the inbox,
// with fail deciding (when not nil) to fail an attempt before the commit.
func consume(t *testing.T, bus events.Subscriber, db *bun.DB, fail func(e events.Envelope, attempt int) error) *deliveries {
	t.Helper()
	d := &deliveries{n: map[string]int{}}
	h := inbox.Handle("tally", db, func(ctx context.Context, tx bun.Tx, e events.Envelope) error {
		if err := applyEffect(ctx, tx, e); err != nil {
			return err
		}
		if fail != nil {
			d.mu.Lock()
			attempt := d.n[e.ID]
			d.mu.Unlock()
			return fail(e, attempt)
		}
		return nil
	})
	counted := func(ctx context.Context, e events.Envelope) error {
		d.mu.Lock()
		d.n[e.ID]++
		d.mu.Unlock()
		return h(ctx, e)
	}
	if err := bus.Subscribe(t.Context(), "tally", counted, itemChanged); err != nil {
		t.Fatal(err)
	}
	return d
}

// run starts r until the test ends (or stop is called) and fails the test
// if Run returns an error.
func run(t *testing.T, r *outbox.Relay) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

// publisherFunc adapts a function to events.Publisher.
type publisherFunc func(ctx context.Context, es ...events.Envelope) error

func (f publisherFunc) Publish(ctx context.Context, es ...events.Envelope) error {
	return f(ctx, es...)
}

// effects returns the ids of the events applied per subject, in the order
// they took effect.
func effects(t *testing.T, db *bun.DB) map[string][]string {
	t.Helper()
	var rows []struct {
		EventID string `bun:"event_id"`
		Subject string `bun:"subject"`
		N       int    `bun:"n"`
	}
	if err := db.NewRaw(`SELECT event_id, subject, n FROM effects ORDER BY subject, n`).Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.Subject] = append(out[r.Subject], r.EventID)
	}
	return out
}

func countEffects(t *testing.T, db *bun.DB) int {
	t.Helper()
	var n int
	if err := db.NewRaw(`SELECT COUNT(*) FROM effects`).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitEffects waits until n effects are committed, then a little longer to
// catch any extra one.
func waitEffects(t *testing.T, db *bun.DB, n int) {
	t.Helper()
	eventually(t, 20*time.Second, func() bool { return countEffects(t, db) >= n }, "%d effects", n)
	time.Sleep(50 * time.Millisecond)
	if got := countEffects(t, db); got != n {
		t.Fatalf("%d effects, want exactly %d", got, n)
	}
}

func eventually(t *testing.T, timeout time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for "+format, append([]any{timeout}, args...)...)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkOnceInOrder checks that every event of want took effect exactly
// once and, per subject, in the order given.
func checkOnceInOrder(t *testing.T, db *bun.DB, want map[string][]string) {
	t.Helper()
	got := effects(t, db)
	for subject, ids := range want {
		if !slices.Equal(got[subject], ids) {
			t.Errorf("subject %s: effects %v, want %v", subject, got[subject], ids)
		}
	}
	for subject := range got {
		if _, ok := want[subject]; !ok {
			t.Errorf("effects on unexpected subject %s", subject)
		}
	}
}

// pendingCount is the number of outbox rows not sent yet.
func pendingCount(t *testing.T, db *bun.DB) int {
	t.Helper()
	var n int
	if err := db.NewRaw(`SELECT COUNT(*) FROM event_outbox WHERE sent_at IS NULL`).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// failureLog is a slog.Handler counting the warnings and errors logged.
type failureLog struct{ n atomic.Int32 }

func (l *failureLog) count() int { return int(l.n.Load()) }

func (l *failureLog) Enabled(_ context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn
}

func (l *failureLog) Handle(context.Context, slog.Record) error {
	l.n.Add(1)
	return nil
}

func (l *failureLog) WithAttrs([]slog.Attr) slog.Handler { return l }

func (l *failureLog) WithGroup(string) slog.Handler { return l }
