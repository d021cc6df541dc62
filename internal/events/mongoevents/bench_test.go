package mongoevents_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/mongoevents"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/testenv"
)

// BenchmarkFlow measures events through the Mongo path: a producer's
// versioned replace carrying the event, the relay, the in-memory bus, and
// the consumer's versioned replace behind the document inbox. It reports
// events per second and, from each producer's save to the consumer's save
// of the same event, the 50th and 99th percentiles. On the embedded
// server unless MONGO_URI is set.
//
//   - throughput: 4 producers, each on its own documents, save as fast as
//     they can;
//   - roundtrip: one producer saves one event and waits for its effect.
func BenchmarkFlow(b *testing.B) {
	b.Run("throughput", func(b *testing.B) { benchFlow(b, 4, false) })
	b.Run("roundtrip", func(b *testing.B) { benchFlow(b, 1, true) })
}

func benchFlow(b *testing.B, producers int, waitEach bool) {
	ctx := context.Background()
	uri, name := testenv.Mongo(b)
	client, err := mongodb.Connect(ctx, uri)
	if err != nil {
		b.Fatal(err)
	}
	defer client.Disconnect(ctx) //nolint:errcheck
	db := client.Database(name)
	orders, tallies := db.Collection("orders"), db.Collection("tallies")
	locks := newLocks()
	bus := events.NewMemoryBus(logging.Discard())
	defer bus.Close()
	relay := mongoevents.NewRelay(bus, mongoevents.Options{Locks: locks}, orders)

	n := b.N
	var mu sync.Mutex
	saved := make(map[string]time.Time, n)
	consumed := make(map[string]time.Time, n)
	done := make(chan struct{})
	applied := make(chan string, n)
	d := &deliveries{n: map[string]int{}}
	effect := tallyOn(tallies, d, nil)
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
	if err := bus.Subscribe(ctx, "bench", h, orderAdvanced); err != nil {
		b.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	relayDone := make(chan struct{})
	go func() { defer close(relayDone); _ = relay.Run(rctx) }()
	defer func() { stop(); <-relayDone }()

	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for p := range producers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				e, err := advance(ctx, orders, locks, fmt.Sprintf("order-%d-%d", p, i%16))
				if err != nil {
					b.Errorf("advance: %v", err)
					return
				}
				at := time.Now()
				mu.Lock()
				saved[e.ID] = at
				mu.Unlock()
				relay.Notify()
				if waitEach {
					waitFor(applied, e.ID)
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
	reportFlow(b, n, elapsed, saved, consumed)
}

func waitFor(applied <-chan string, id string) {
	for got := range applied {
		if got == id {
			return
		}
	}
}

func reportFlow(b *testing.B, n int, elapsed time.Duration, saved, consumed map[string]time.Time) {
	lat := make([]time.Duration, 0, len(saved))
	for id, at := range saved {
		lat = append(lat, max(consumed[id].Sub(at), 0))
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
