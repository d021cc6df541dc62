package outbox_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/inbox"
	"github.com/platterhq/platter/internal/events/outbox"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/sqldb"
	"github.com/platterhq/platter/internal/testenv"
)

// BenchmarkFlow measures events through the whole path on one database:
// a producer's transaction (a state row and its event in the outbox), the
// relay, the in-memory bus, and a consumer's transaction behind the inbox.
// It reports events per second and, from each producer commit to the
// consumer's commit of the same event, the 50th and 99th percentiles.
//
//   - throughput: 8 producers commit as fast as they can;
//   - roundtrip: one producer commits one event and waits for its effect.
//
// Run: go test -run '^$' -bench Flow -benchtime 5000x ./events/outbox/
func BenchmarkFlow(b *testing.B) {
	engines := []struct {
		name string
		url  func(testing.TB) string
	}{{"postgres", testenv.Postgres}, {"mariadb", testenv.MariaDB}, {"sqlite", testenv.SQLite}}
	memory := func(testing.TB) events.Bus { return events.NewMemoryBus(logging.Discard()) }
	for _, engine := range engines {
		b.Run(engine.name+"/throughput", func(b *testing.B) { benchFlow(b, engine.url(b), memory, 8, false) })
		b.Run(engine.name+"/roundtrip", func(b *testing.B) { benchFlow(b, engine.url(b), memory, 1, true) })
	}
}

func benchFlow(b *testing.B, url string, newBus func(testing.TB) events.Bus, producers int, waitEach bool) {
	ctx := context.Background()
	db, err := sqldb.OpenMigrated(ctx, url, migrations())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bus := newBus(b)
	defer bus.Close()
	relay := outbox.NewRelay(db, bus, outbox.Options{})

	n := b.N
	var mu sync.Mutex
	committed := make(map[string]time.Time, n)
	consumed := make(map[string]time.Time, n)
	done := make(chan struct{})
	effect := inbox.Handle("bench", db, func(ctx context.Context, tx bun.Tx, e events.Envelope) error {
		_, err := tx.NewRaw(`INSERT INTO effects (event_id, subject, n) VALUES (?, ?, 0)`, e.ID, e.Subject).Exec(ctx)
		return err
	})
	applied := make(chan string, n)
	h := func(ctx context.Context, e events.Envelope) error {
		if err := effect(ctx, e); err != nil {
			return err
		}
		at := time.Now()
		mu.Lock()
		consumed[e.ID] = at
		if len(consumed) == n {
			close(done)
		}
		mu.Unlock()
		applied <- e.ID
		return nil
	}
	if err := bus.Subscribe(ctx, "bench", h, itemChanged); err != nil {
		b.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	relayDone := make(chan struct{})
	go func() { defer close(relayDone); _ = relay.Run(rctx) }()
	defer func() { stop(); <-relayDone }()

	envs := make([]events.Envelope, n)
	for i := range envs {
		envs[i] = newEvent(b, fmt.Sprintf("item-%d", i%64))
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range producers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				e := envs[i]
				if err := produce(ctx, db, e); err != nil {
					b.Errorf("produce: %v", err)
					return
				}
				at := time.Now()
				mu.Lock()
				committed[e.ID] = at
				mu.Unlock()
				relay.Notify()
				if waitEach {
					for id := range applied {
						if id == e.ID {
							break
						}
					}
				}
			}
		})
	}
	wg.Wait()
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d events took effect", len(consumed), n)
	}
	elapsed := time.Since(start)
	b.StopTimer()

	lat := make([]time.Duration, 0, n)
	for id, c := range committed {
		// A consumer may commit before the producer took its own clock.
		lat = append(lat, max(consumed[id].Sub(c), 0))
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(int(p*float64(len(lat))), len(lat)-1)].Microseconds()) / 1000
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
