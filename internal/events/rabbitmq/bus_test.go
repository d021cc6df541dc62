package rabbitmq

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/eventstest"
	"github.com/platterhq/platter/internal/logging"
)

func TestBusConformance(t *testing.T) {
	eventstest.RunBusSuite(t,
		func(t *testing.T) *Bus { return newEnv(t).bus(WithRetry(testRetry)) },
		eventstest.Options[*Bus]{
			MaxAttempts: testRetry.MaxAttempts,
			DeadLetters: func(b *Bus, subscriber string) []events.DeadLetter {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				dls, err := b.DeadLetters(ctx, subscriber)
				if err != nil {
					return nil // the suite reports the count it expected
				}
				return dls
			},
			Timeout: 10 * time.Second,
		})
}

func TestTopologyIsIdempotent(t *testing.T) {
	e := newEnv(t)
	first, second := e.bus(), e.bus()
	var got atomic.Int32
	h := func(context.Context, events.Envelope) error { got.Add(1); return nil }
	mustSubscribe(t, first, "shopping", h, events.ProductUpdated, events.ProductDeleted)
	// The same declarations from a second process (or a restart) succeed.
	mustSubscribe(t, second, "shopping", h, events.ProductUpdated, events.ProductDeleted)
	mustSubscribe(t, first, "customer", h, events.ProductUpdated, events.ProductDeleted)
	mustPublish(t, first, mustEvent(t, events.ProductUpdated, "p-1"), mustEvent(t, events.ProductDeleted, "p-1"))
	eventually(t, 5*time.Second, "both events, twice", func() bool { return got.Load() == 4 })

	out, err := exec.Command("rabbitmqctl", "list_queues", "-q", "--no-table-headers", "name", "type", "durable", "arguments").CombinedOutput()
	if err != nil {
		t.Fatalf("rabbitmqctl list_queues: %v\n%s", err, out)
	}
	found := map[string]string{}
	for line := range strings.Lines(string(out)) {
		if name, rest, ok := strings.Cut(strings.TrimSpace(line), "\t"); ok && strings.HasPrefix(name, e.prefix) {
			found[strings.TrimPrefix(name, e.prefix)] = rest
		}
	}
	for _, q := range []string{"shopping.events", "shopping.events.dlq"} {
		if !strings.HasPrefix(found[q], "quorum\ttrue") {
			t.Errorf("queue %s: got %q, want a durable quorum queue", q, found[q])
		}
	}
	for _, arg := range []string{"x-delivery-limit", "x-dead-letter-exchange", "x-dead-letter-strategy", "x-single-active-consumer"} {
		if !strings.Contains(found["shopping.events"], arg) {
			t.Errorf("queue shopping.events lacks %s: %s", arg, found["shopping.events"])
		}
	}

	// Queue arguments cannot change in place: a bus configured otherwise
	// is refused, loudly, rather than silently running on the old ones.
	other := e.bus(WithDeliveryLimit(DefaultDeliveryLimit + 1))
	err = other.Subscribe(t.Context(), "shopping", h, events.ProductUpdated)
	if err == nil || !strings.Contains(err.Error(), "PRECONDITION_FAILED") {
		t.Errorf("Subscribe with another delivery limit: err = %v, want PRECONDITION_FAILED", err)
	}
}

func TestPublishUnroutable(t *testing.T) {
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	// By default, like the in-memory bus, an event nobody consumes is not
	// an error; the return is counted.
	lax := e.bus(WithMetrics(reg))
	mustPublish(t, lax, mustEvent(t, events.ReviewUpdated, "r-0"))
	if n := counter(t, reg, "platter_events_returned_total", map[string]string{"type": events.ReviewUpdated}); n != 1 {
		t.Errorf("returned_total = %v, want 1", n)
	}

	b := e.bus(WithMetrics(reg), WithStrictRouting())
	lonely := mustEvent(t, events.ReviewCreated, "r-1")
	err := b.Publish(t.Context(), lonely)
	if !errors.Is(err, ErrUnroutable) || !strings.Contains(err.Error(), lonely.ID) {
		t.Fatalf("Publish with nothing bound: err = %v, want ErrUnroutable naming %s", err, lonely.ID)
	}
	if n := counter(t, reg, "platter_events_returned_total", map[string]string{"type": events.ReviewCreated}); n != 1 {
		t.Errorf("returned_total = %v, want 1", n)
	}

	// In a batch, the routable events are delivered and the call still fails.
	var got atomic.Int32
	mustSubscribe(t, b, "vendor", func(context.Context, events.Envelope) error { got.Add(1); return nil }, events.OrderPlaced)
	err = b.Publish(t.Context(), mustEvent(t, events.OrderPlaced, "o-1"), mustEvent(t, events.ReviewCreated, "r-2"), mustEvent(t, events.OrderPlaced, "o-2"))
	if !errors.Is(err, ErrUnroutable) {
		t.Fatalf("Publish with one unbound type: err = %v, want ErrUnroutable", err)
	}
	eventually(t, 5*time.Second, "the routable events", func() bool { return got.Load() == 2 })
	mustPublish(t, b, mustEvent(t, events.OrderPlaced, "o-3"))
	eventually(t, 5*time.Second, "a later event", func() bool { return got.Load() == 3 })
	if n := counter(t, reg, "platter_events_confirmed_total", map[string]string{"type": events.OrderPlaced}); n != 3 {
		t.Errorf("confirmed_total{%s} = %v, want 3", events.OrderPlaced, n)
	}
}

func TestDeadLettersAndReplay(t *testing.T) {
	reg := prometheus.NewRegistry()
	b := newEnv(t).bus(WithRetry(testRetry), WithMetrics(reg))
	poison := mustEvent(t, events.OrderPlaced, "poison")
	other := mustEvent(t, events.OrderCancelled, "also-poison")
	var fixed atomic.Bool
	var mu sync.Mutex
	handled := map[string]int{}
	mustSubscribe(t, b, "vendor", func(_ context.Context, e events.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		if !fixed.Load() && e.Subject != "good" {
			return errors.New("vendor unknown")
		}
		handled[e.ID]++
		return nil
	}, "shopping.order.*.v1")
	mustPublish(t, b, poison, mustEvent(t, events.OrderPlaced, "good"), other)

	var dls []events.DeadLetter
	eventually(t, 10*time.Second, "two dead letters", func() bool {
		dls = deadLetters(t, b, "vendor")
		return len(dls) == 2
	})
	for i, want := range []events.Envelope{poison, other} {
		dl := dls[i]
		if dl.Envelope.ID != want.ID || dl.Envelope.Type != want.Type || dl.Envelope.CorrelationID != want.CorrelationID {
			t.Errorf("dead letter %d = %+v, want %s", i, dl.Envelope, want.ID)
		}
		if dl.Reason != "vendor unknown" || dl.Attempts != testRetry.MaxAttempts {
			t.Errorf("dead letter %d: reason %q attempts %d", i, dl.Reason, dl.Attempts)
		}
	}
	// Peeking takes nothing away.
	if again := deadLetters(t, b, "vendor"); len(again) != 2 || again[0].Envelope.ID != poison.ID {
		t.Fatalf("second peek = %+v", again)
	}
	if n := counter(t, reg, "platter_events_dead_lettered_total", map[string]string{"subscriber": "vendor"}); n != 2 {
		t.Errorf("dead_lettered_total = %v, want 2", n)
	}

	if n, err := b.Replay(t.Context(), "vendor", "00000000-0000-0000-0000-000000000000"); err != nil || n != 0 {
		t.Errorf("Replay of an unknown id = %d, %v; want 0, nil", n, err)
	}
	fixed.Store(true)
	if n, err := b.Replay(t.Context(), "vendor", other.ID); err != nil || n != 1 {
		t.Fatalf("Replay(%s) = %d, %v; want 1", other.ID, n, err)
	}
	eventually(t, 5*time.Second, "the replayed event", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return handled[other.ID] == 1
	})
	if left := deadLetters(t, b, "vendor"); len(left) != 1 || left[0].Envelope.ID != poison.ID {
		t.Fatalf("after replaying one: %+v", left)
	}
	if n, err := b.Replay(t.Context(), "vendor", ""); err != nil || n != 1 {
		t.Fatalf("Replay all = %d, %v; want 1", n, err)
	}
	eventually(t, 5*time.Second, "the replayed event", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return handled[poison.ID] == 1
	})
	if left := deadLetters(t, b, "vendor"); len(left) != 0 {
		t.Fatalf("after replaying all: %+v", left)
	}
	if _, err := b.DeadLetters(t.Context(), "nobody"); err == nil {
		t.Errorf("DeadLetters of a subscriber that never subscribed: want an error")
	}
}

// The delivery limit is the backstop for what in-place retries cannot
// see: a message delivered again and again without an outcome.
func TestBrokerDeadLettersAtDeliveryLimit(t *testing.T) {
	e := newEnv(t)
	const limit = 2
	b := e.bus(WithDeliveryLimit(limit))
	ctx, stop := context.WithCancel(t.Context())
	if err := b.Subscribe(ctx, "feedback", func(context.Context, events.Envelope) error { return nil }, events.OrderDelivered); err != nil {
		t.Fatal(err)
	}
	stop() // the queue stays; nobody consumes
	eventually(t, 5*time.Second, "the subscription to stop", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.subs) == 0
	})
	crashy := mustEvent(t, events.OrderDelivered, "o-1")
	mustPublish(t, b, crashy)

	// A consumer that never settles the message, limit+1 times. (basic.get
	// is refused on a quorum queue with a single active consumer.)
	ch := e.raw()
	deliveries, err := ch.Consume(b.cfg.queueName("feedback"), "", false, false, false, false, nil)
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	for i := 0; i <= limit; i++ {
		select {
		case d := <-deliveries:
			if got := deliveryCount(d); got != i {
				t.Errorf("delivery %d: x-delivery-count = %d", i, got)
			}
			if err := d.Nack(false, true); err != nil {
				t.Fatalf("nack: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("delivery %d: none", i)
		}
	}
	var dls []events.DeadLetter
	eventually(t, 5*time.Second, "the broker's dead letter", func() bool {
		dls = deadLetters(t, b, "feedback")
		return len(dls) == 1
	})
	if dls[0].Envelope.ID != crashy.ID || !strings.Contains(dls[0].Reason, "delivery limit") || dls[0].Attempts != 0 {
		t.Errorf("dead letter = %+v", dls[0])
	}
}

func TestUndecodableMessageIsDeadLetteredAtOnce(t *testing.T) {
	e := newEnv(t)
	b := e.bus(WithRetry(testRetry))
	var calls atomic.Int32
	mustSubscribe(t, b, "vendor", func(context.Context, events.Envelope) error { calls.Add(1); return nil }, events.OrderPlaced)
	ch := e.raw()
	err := ch.PublishWithContext(t.Context(), b.cfg.exchangeName(), events.OrderPlaced, false, false, amqp.Publishing{
		MessageId: "not-json", Type: events.OrderPlaced, Body: []byte("{truncated"),
	})
	if err != nil {
		t.Fatalf("raw publish: %v", err)
	}
	good := mustEvent(t, events.OrderPlaced, "o-1")
	mustPublish(t, b, good)
	eventually(t, 5*time.Second, "the good event", func() bool { return calls.Load() == 1 })
	var dls []events.DeadLetter
	eventually(t, 5*time.Second, "the dead letter", func() bool {
		dls = deadLetters(t, b, "vendor")
		return len(dls) > 0
	})
	if calls.Load() != 1 || len(dls) != 1 || dls[0].Envelope.ID != "not-json" || dls[0].Attempts != 0 || !strings.Contains(dls[0].Reason, "undecodable") {
		t.Fatalf("dead letters = %+v", dls)
	}
}

func TestBroadcastReachesEveryProcess(t *testing.T) {
	e := newEnv(t)
	replicas := []*Bus{e.bus(), e.bus()}
	type seen struct {
		mu      sync.Mutex
		live    []string
		durable []string
	}
	views := make([]*seen, len(replicas))
	for i, b := range replicas {
		v := &seen{}
		views[i] = v
		err := b.SubscribeBroadcast(t.Context(), "order_status", func(_ context.Context, e events.Envelope) error {
			v.mu.Lock()
			defer v.mu.Unlock()
			v.live = append(v.live, e.ID)
			return nil
		}, "shopping.order.#")
		if err != nil {
			t.Fatalf("SubscribeBroadcast: %v", err)
		}
		// The durable subscriber of the same subgraph: one copy in all.
		mustSubscribe(t, b, "shopping", func(_ context.Context, e events.Envelope) error {
			v.mu.Lock()
			defer v.mu.Unlock()
			v.durable = append(v.durable, e.ID)
			return nil
		}, "shopping.order.#")
	}
	var want []string
	for i := range 20 {
		ev := mustEvent(t, events.OrderAccepted, "o")
		if i%2 == 0 {
			ev = mustEvent(t, events.OrderPickedUp, "o")
		}
		want = append(want, ev.ID)
		mustPublish(t, replicas[i%2], ev)
	}
	eventually(t, 5*time.Second, "every replica to see every event live", func() bool {
		for _, v := range views {
			v.mu.Lock()
			n := len(v.live)
			v.mu.Unlock()
			if n < len(want) {
				return false
			}
		}
		return true
	})
	for i, v := range views {
		v.mu.Lock()
		if strings.Join(v.live, ",") != strings.Join(want, ",") {
			t.Errorf("replica %d saw %v live, want %v in order", i, v.live, want)
		}
		v.mu.Unlock()
	}
	eventually(t, 5*time.Second, "the durable copies", func() bool {
		n := 0
		for _, v := range views {
			v.mu.Lock()
			n += len(v.durable)
			v.mu.Unlock()
		}
		return n == len(want)
	})
	if err := replicas[0].SubscribeBroadcast(t.Context(), "order_status", func(context.Context, events.Envelope) error { return nil }, "#"); err == nil {
		t.Errorf("a second broadcast subscription under the same name succeeded")
	}
}

func TestStaleBindingIsSkipped(t *testing.T) {
	e := newEnv(t)
	old := e.bus()
	mustSubscribe(t, old, "deliveryman", func(context.Context, events.Envelope) error { return nil }, events.OrderAccepted, events.OrderCancelled)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	// The next version no longer handles cancellations; the binding stays.
	reg := prometheus.NewRegistry()
	b := e.bus(WithMetrics(reg))
	got := make(chan string, 10)
	mustSubscribe(t, b, "deliveryman", func(_ context.Context, e events.Envelope) error { got <- e.Type; return nil }, events.OrderAccepted)
	mustPublish(t, b, mustEvent(t, events.OrderCancelled, "o-1"), mustEvent(t, events.OrderAccepted, "o-1"))
	select {
	case typ := <-got:
		if typ != events.OrderAccepted {
			t.Fatalf("handler got %s", typ)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery")
	}
	if n := counter(t, reg, "platter_events_skipped_total", map[string]string{"type": events.OrderCancelled}); n != 1 {
		t.Errorf("skipped_total = %v, want 1", n)
	}
	if dls := deadLetters(t, b, "deliveryman"); len(dls) != 0 {
		t.Errorf("dead letters = %+v", dls)
	}
}

func TestNewFailsOnRefusedCredentials(t *testing.T) {
	e := newEnv(t)
	url := strings.Replace(e.url, "guest:guest@", "guest:wrong@", 1)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := New(ctx, url, WithLogger(logging.Discard()))
	if err == nil {
		t.Fatal("New with a wrong password succeeded")
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("New retried refused credentials for %v", time.Since(start))
	}
}

func TestNewGivesUpWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	// Nothing listens on port 1.
	_, err := New(ctx, "amqp://guest:guest@127.0.0.1:1/", WithLogger(logging.Discard()),
		WithReconnectBackoff(10*time.Millisecond, 50*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("New against nothing: err = %v, want the context's deadline", err)
	}
}

func TestBackoffIsBoundedAndJittered(t *testing.T) {
	first, longest := 100*time.Millisecond, 2*time.Second
	seen := map[time.Duration]bool{}
	for attempt := range 20 {
		for range 20 {
			d := backoff(attempt, first, longest)
			if d < first/2 || d > longest {
				t.Fatalf("backoff(%d) = %v, out of [%v, %v]", attempt, d, first/2, longest)
			}
			seen[d] = true
		}
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct waits: not jittered", len(seen))
	}
}
