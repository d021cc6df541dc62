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
	"github.com/platterhq/platter/internal/events/rabbitmq"
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
		b.Run(engine.name+"/throughput", func(b *testing.B) { benchFlow(b, engine.url(b), memory, 8, false, 1) })
		b.Run(engine.name+"/roundtrip", func(b *testing.B) { benchFlow(b, engine.url(b), memory, 1, true, 1) })
	}
}

// BenchmarkFlowLanes is BenchmarkFlow's throughput case on PostgreSQL with
// a consumer of 1, 4, 8 and 16 lanes (events.SubscribeConcurrent), over
// the in-memory bus and over RabbitMQ: the consumer's one transaction per
// event is what bounds the flow with one lane.
//
// Run: go test -run '^$' -bench FlowLanes -benchtime 5000x ./events/outbox/
func BenchmarkFlowLanes(b *testing.B) {
	buses := []struct {
		name string
		bus  func(testing.TB) events.Bus
	}{
		{"memory", func(testing.TB) events.Bus { return events.NewMemoryBus(logging.Discard()) }},
		{"rabbitmq", rabbitBus},
	}
	for _, bus := range buses {
		for _, lanes := range []int{1, 4, 8, 16} {
			b.Run(fmt.Sprintf("postgres/%s/lanes=%d", bus.name, lanes), func(b *testing.B) {
				benchFlow(b, testenv.Postgres(b), bus.bus, 8, false, lanes)
			})
		}
	}
	// One event at a time from the producer's commit to the consumer's,
	// through the relay and the broker: the latency a user's change takes
	// to show in another subgraph when nothing queues.
	b.Run("postgres/rabbitmq/roundtrip", func(b *testing.B) { benchFlow(b, testenv.Postgres(b), rabbitBus, 1, true, 1) })
}

// rabbitBus is a RabbitMQ bus on names of its own, deleted at the end.
func rabbitBus(tb testing.TB) events.Bus {
	url := testenv.RabbitMQ(tb)
	prefix := testenv.Name("bench") + "."
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bus, err := rabbitmq.New(ctx, url, rabbitmq.WithPrefix(prefix), rabbitmq.WithLogger(logging.Discard()))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = bus.Close()
		queues := []string{prefix + "bench.events", prefix + "bench.events.dlq"}
		exchanges := []string{prefix + rabbitmq.DefaultExchange, prefix + rabbitmq.DefaultExchange + ".dlx"}
		if err := rabbitmq.DeleteNames(url, queues, exchanges); err != nil {
			tb.Errorf("teardown: %v", err)
		}
	})
	return bus
}

func benchFlow(b *testing.B, url string, newBus func(testing.TB) events.Bus, producers int, waitEach bool, lanes int) {
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
	if err := events.SubscribeConcurrent(ctx, bus, "bench", lanes, h, itemChanged); err != nil {
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

// BenchmarkPipeline measures how fast the whole path drains a backlog:
// b.N events already committed in a PostgreSQL outbox, published by the
// relay through RabbitMQ (confirms in a window) and taken by a consumer
// that applies each batch in one PostgreSQL transaction behind the inbox
// (events.SubscribeBatch, inbox.HandleBatch), one effect row per event,
// for a few relay batch sizes, consumer batch sizes and lanes. Besides
// events/s it reports the CPU each event cost on this machine, split
// between this process (relay, bus and consumer), the PostgreSQL server
// and the RabbitMQ server, so the figure can be read against the cores
// there are.
//
// Run: go test -run '^$' -bench Pipeline -benchtime 20000x ./events/outbox/
func BenchmarkPipeline(b *testing.B) {
	for _, c := range []struct{ relayBatch, consumerBatch, lanes int }{
		{500, 100, 1}, {500, 100, 4}, {500, 100, 8},
		{1000, 500, 1}, {1000, 500, 4},
	} {
		b.Run(fmt.Sprintf("relay=%d/consumer=%d/lanes=%d", c.relayBatch, c.consumerBatch, c.lanes), func(b *testing.B) {
			benchPipeline(b, c.relayBatch, c.consumerBatch, c.lanes)
		})
	}
}

func benchPipeline(b *testing.B, relayBatch, consumerBatch, lanes int) {
	ctx := context.Background()
	db, err := sqldb.OpenMigrated(ctx, testenv.Postgres(b), migrations())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bus := rabbitBus(b)
	defer bus.Close()

	// The backlog, committed 500 events a transaction before the clock
	// starts: what a burst of writers leaves for the relay.
	n := b.N
	envs := make([]events.Envelope, n)
	for i := range envs {
		envs[i] = newEvent(b, fmt.Sprintf("item-%d", i%1024))
	}
	for i := 0; i < n; i += 500 {
		if err := produce(ctx, db, envs[i:min(i+500, n)]...); err != nil {
			b.Fatal(err)
		}
	}

	var handled atomic.Int64
	done := make(chan struct{})
	apply := inbox.HandleBatch("bench", db, func(ctx context.Context, tx bun.Tx, e events.Envelope) error {
		_, err := tx.NewRaw(`INSERT INTO effects (event_id, subject, n) VALUES (?, ?, 0)`, e.ID, e.Subject).Exec(ctx)
		return err
	})
	h := func(ctx context.Context, es []events.Envelope) error {
		if err := apply(ctx, es); err != nil {
			return err
		}
		if handled.Add(int64(len(es))) == int64(n) {
			close(done)
		}
		return nil
	}
	if err := events.SubscribeBatch(ctx, bus, "bench", lanes, consumerBatch, h, itemChanged); err != nil {
		b.Fatal(err)
	}

	relay := outbox.NewRelay(db, bus, outbox.Options{BatchSize: relayBatch})
	rctx, stop := context.WithCancel(ctx)
	relayDone := make(chan struct{})
	before := readCPU()
	b.ResetTimer()
	start := time.Now()
	go func() { defer close(relayDone); _ = relay.Run(rctx) }()
	defer func() { stop(); <-relayDone }()
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d events took effect", handled.Load(), n)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	after := readCPU()

	b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
	if before.ok && after.ok {
		per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
		b.ReportMetric(per(after.self-before.self), "self-µs/event")
		b.ReportMetric(per(after.postgres-before.postgres), "postgres-µs/event")
		b.ReportMetric(per(after.rabbitmq-before.rabbitmq), "rabbitmq-µs/event")
	}
	b.ReportMetric(0, "ns/op")
}
