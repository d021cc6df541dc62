package rabbitmq

import (
	"context"
	"flag"
	"fmt"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/platterhq/platter/internal/events"
)

var restartBroker = flag.Bool("rabbitmq.restart", false,
	"also run the recovery test across a broker restart (rabbitmqctl stop_app/start_app); it disturbs every other client of the broker")

// TestRecoversFromForcedClose publishes 1,000 events, as an outbox relay
// would (batches, retried on error), while the broker force-closes the
// bus's connections twice; every event must arrive, with no restart.
func TestRecoversFromForcedClose(t *testing.T) {
	testRecovery(t, 1, forceClose)
}

// TestRecoversFromForcedCloseConcurrently is the same with 8 lanes: the
// deliveries in flight on every lane when the connection goes come back,
// and each event still takes effect once, in order per subject.
func TestRecoversFromForcedCloseConcurrently(t *testing.T) {
	testRecovery(t, 8, forceClose)
}

// TestRecoversFromBrokerRestart is the same across a restart of the broker
// application. Opt-in (-rabbitmq.restart): it breaks every other client of
// the broker for a few seconds.
func TestRecoversFromBrokerRestart(t *testing.T) {
	if !*restartBroker {
		t.Skip("opt-in: -rabbitmq.restart (disturbs every other client of the broker)")
	}
	testRecovery(t, 1, func(t testing.TB, b *Bus) int {
		ctl := func(args ...string) {
			if out, err := exec.Command("rabbitmqctl", args...).CombinedOutput(); err != nil {
				t.Errorf("rabbitmqctl %v: %v\n%s", args, err, out)
			}
		}
		t.Cleanup(func() { ctl("start_app"); waitBroker(t, b.pub.url) })
		ctl("stop_app")
		time.Sleep(time.Second) // down long enough for a few reconnection attempts
		ctl("start_app")
		waitBroker(t, b.pub.url)
		return 2 // both of the bus's connections
	})
}

func waitBroker(t testing.TB, url string) {
	t.Helper()
	eventually(t, 60*time.Second, "the broker to accept connections", func() bool {
		conn, err := amqp.Dial(url)
		if err != nil {
			return false
		}
		conn.Close()
		return true
	})
}

// testRecovery runs the scenario on a subscription of lanes lanes; disrupt
// breaks b's connections and says how many it broke.
func testRecovery(t *testing.T, lanes int, disrupt func(t testing.TB, b *Bus) int) {
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	b := e.bus(WithMetrics(reg), WithRetry(testRetry))

	const n, batch, subjects = 1000, 10, 40
	es := make([]events.Envelope, n)
	index := make(map[string]int, n)
	for i := range es {
		es[i] = mustEvent(t, events.OrderPlaced, fmt.Sprintf("order-%d", i%subjects))
		index[es[i].ID] = i
	}

	var mu sync.Mutex
	seen := map[string]int{}      // deliveries per event id
	effects := map[string][]int{} // per subject, the events that took effect, as an inbox lets them
	deliveries := 0
	h := func(ctx context.Context, e events.Envelope) error {
		// Slower than the publisher: a backlog is in flight on every lane
		// when the connection goes.
		time.Sleep(time.Duration(5*lanes) * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		if seen[e.ID]++; seen[e.ID] == 1 {
			effects[e.Subject] = append(effects[e.Subject], index[e.ID])
		}
		deliveries++
		return nil
	}
	if err := b.SubscribeConcurrent(t.Context(), "vendor", lanes, h, events.OrderPlaced, events.DispatchRequested); err != nil {
		t.Fatalf("SubscribeConcurrent: %v", err)
	}
	var published atomic.Int64
	var publishErrors atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(40 * time.Millisecond) // ~250 events/s
		defer tick.Stop()
		for i := 0; i < n; i += batch {
			<-tick.C
			for {
				ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
				err := b.Publish(ctx, es[i:i+batch]...)
				cancel()
				if err == nil {
					break
				}
				if t.Context().Err() != nil {
					return
				}
				publishErrors.Add(1)
				t.Logf("publish batch at %d: %v (retrying, as a relay would)", i, err)
				time.Sleep(50 * time.Millisecond)
			}
			published.Store(int64(i + batch))
		}
	}()

	start := time.Now()
	broken := 0
	for _, at := range []int64{300, 650} {
		eventually(t, 30*time.Second, fmt.Sprintf("%d events published", at), func() bool { return published.Load() >= at })
		broken += disrupt(t, b)
	}
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("publishing stalled at %d of %d", published.Load(), n)
	}
	eventually(t, 30*time.Second, "every event consumed", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == n
	})
	elapsed := time.Since(start)
	for _, ev := range es {
		if seen[ev.ID] == 0 {
			t.Errorf("event %s never consumed", ev.ID)
		}
	}
	mu.Lock()
	for subject, got := range effects {
		if !slices.IsSorted(got) {
			t.Errorf("subject %s: effects out of publish order: %v", subject, got)
		}
	}
	mu.Unlock()

	// The consumer runs on without a restart.
	after := mustEvent(t, events.DispatchRequested, "after")
	mustPublish(t, b, after)
	eventually(t, 10*time.Second, "an event published after the recovery", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return seen[after.ID] > 0
	})

	mu.Lock()
	dups := deliveries - len(seen)
	mu.Unlock()
	reconnects := counter(t, reg, "platter_events_reconnects_total", nil)
	redelivered := counter(t, reg, "platter_events_redelivered_total", nil)
	t.Logf("%d events in %v across 2 disruptions: %d duplicate deliveries (%d flagged redelivered), %d publish errors retried, %v reconnects",
		n, elapsed.Round(time.Millisecond), dups, int(redelivered), publishErrors.Load(), reconnects)
	if reconnects < float64(broken) {
		t.Errorf("reconnects_total = %v, want at least %d (connections broken)", reconnects, broken)
	}
	if dls := deadLetters(t, b, "vendor"); len(dls) != 0 {
		t.Errorf("dead letters after recovery: %+v", dls)
	}
}
