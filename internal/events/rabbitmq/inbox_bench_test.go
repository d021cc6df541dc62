package rabbitmq

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/inbox"
	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/internal/testenv"
)

// BenchmarkInbox measures a subscriber whose handler commits one
// PostgreSQL transaction per event through the SQL inbox (the event id and
// an effect row), at 1, 4, 8 and 16 lanes (SubscribeConcurrent):
//
//   - consume: b.N events waiting in the queue, handled as fast as the
//     lanes go (events/s);
//   - latency/rate=R: R events/s offered in one batch every 5 ms (a
//     relay's burst), p50/p99 from the Publish call to the handler's
//     commit, and the rate reached (lower than R when publishing or
//     handling cannot keep up).
//
// The batch/ cases do the same through SubscribeBatch and
// inbox.HandleBatch, with up to 100 events per transaction.
//
// Events are about 1,024 subjects, as many orders or products would be.
// Compare with BenchmarkRaw (bare amqp091-go, no handler work). Run:
//
//	go test -run '^$' -bench Inbox -benchtime 5000x ./events/rabbitmq/
func BenchmarkInbox(b *testing.B) {
	for _, lanes := range []int{1, 4, 8, 16} {
		b.Run(fmt.Sprintf("consume/lanes=%d", lanes), func(b *testing.B) { benchInboxConsume(b, lanes, 0) })
		for _, rate := range []int{1000, 4000} {
			b.Run(fmt.Sprintf("latency/rate=%d/lanes=%d", rate, lanes), func(b *testing.B) { benchInboxLatency(b, lanes, 0, rate) })
		}
	}
	const maxBatch = 100
	for _, lanes := range []int{1, 4, 8} {
		b.Run(fmt.Sprintf("batch/consume/lanes=%d", lanes), func(b *testing.B) { benchInboxConsume(b, lanes, maxBatch) })
		b.Run(fmt.Sprintf("batch/latency/rate=1000/lanes=%d", lanes), func(b *testing.B) { benchInboxLatency(b, lanes, maxBatch, 1000) })
	}
}

const benchSubjects = 1024

func benchInboxEvents(b *testing.B, n int) []events.Envelope {
	es := make([]events.Envelope, n)
	for i := range es {
		es[i] = mustEvent(b, events.ProductUpdated, fmt.Sprintf("product-%d", i%benchSubjects))
	}
	return es
}

// subscribeInbox subscribes a handler committing one transaction per event
// (maxBatch 0) or per batch of up to maxBatch events on a fresh
// PostgreSQL database, and calls done(id) after each event's commit.
func subscribeInbox(b *testing.B, bus *Bus, lanes, maxBatch int, done func(id string)) {
	ms := migrate.NewMigrations()
	for _, m := range inbox.Migrations().Sorted() {
		ms.Add(m)
	}
	ms.Add(migrate.Migration{
		Name: "20260601100000", Comment: "create_effects",
		Up: sqldb.Exec(func(t sqldb.ColumnTypes) string {
			return fmt.Sprintf(`CREATE TABLE effects (event_id %s NOT NULL, subject VARCHAR(255) NOT NULL)%s`, t.ID, t.TableOptions)
		}),
		Down: sqldb.Exec(sqldb.Plain("DROP TABLE effects")),
	})
	db, err := sqldb.OpenMigrated(context.Background(), testenv.Postgres(b), ms)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	effect := func(ctx context.Context, tx bun.Tx, e events.Envelope) error {
		_, err := tx.NewRaw(`INSERT INTO effects (event_id, subject) VALUES (?, ?)`, e.ID, e.Subject).Exec(ctx)
		return err
	}
	if maxBatch == 0 {
		h := inbox.Handle("bench", db, effect)
		err = bus.SubscribeConcurrent(b.Context(), "shopping", lanes, func(ctx context.Context, e events.Envelope) error {
			if err := h(ctx, e); err != nil {
				return err
			}
			done(e.ID)
			return nil
		}, events.ProductUpdated)
	} else {
		h := inbox.HandleBatch("bench", db, effect)
		err = bus.SubscribeBatch(b.Context(), "shopping", lanes, maxBatch, func(ctx context.Context, es []events.Envelope) error {
			if err := h(ctx, es); err != nil {
				return err
			}
			for _, e := range es {
				done(e.ID)
			}
			return nil
		}, events.ProductUpdated)
	}
	if err != nil {
		b.Fatal(err)
	}
}

func benchInboxConsume(b *testing.B, lanes, maxBatch int) {
	e := newEnv(b)
	bus := e.bus()
	var mu sync.Mutex
	seen := make(map[string]bool, b.N)
	all := make(chan struct{})
	done := func(id string) {
		mu.Lock()
		defer mu.Unlock()
		if seen[id] = true; len(seen) == b.N {
			close(all)
		}
	}
	idleSubscriber(b, e.bus(), "shopping") // another process, gone by now
	es := benchInboxEvents(b, b.N)
	for i := 0; i < len(es); i += 1000 {
		if err := bus.Publish(b.Context(), es[i:min(i+1000, len(es))]...); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	subscribeInbox(b, bus, lanes, maxBatch, done)
	<-all
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}

func benchInboxLatency(b *testing.B, lanes, maxBatch, rate int) {
	bus := newEnv(b).bus()
	es := benchInboxEvents(b, b.N)
	var mu sync.Mutex
	sent := make(map[string]time.Time, b.N)
	lat := make([]time.Duration, 0, b.N)
	all := make(chan struct{})
	subscribeInbox(b, bus, lanes, maxBatch, func(id string) {
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		if lat = append(lat, now.Sub(sent[id])); len(lat) == b.N {
			close(all)
		}
	})
	const every = 5 * time.Millisecond
	batch := max(1, rate*int(every/time.Millisecond)/1000)
	b.ResetTimer()
	start := time.Now()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for i := 0; i < len(es); i += batch {
		<-tick.C
		now := time.Now()
		part := es[i:min(i+batch, len(es))]
		mu.Lock()
		for _, e := range part {
			sent[e.ID] = now
		}
		mu.Unlock()
		if err := bus.Publish(b.Context(), part...); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-all:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d events handled", len(lat), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	reportLatency(b, lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}
