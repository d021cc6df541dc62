package events_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/eventstest"
	"github.com/platterhq/platter/internal/logging"
)

func TestMemoryBus(t *testing.T) {
	retry := events.Retry{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond}
	eventstest.RunBusSuite(t,
		func(t *testing.T) *events.MemoryBus {
			return events.NewMemoryBus(logging.Discard(), events.WithRetry(retry))
		},
		eventstest.Options[*events.MemoryBus]{
			MaxAttempts: retry.MaxAttempts,
			DeadLetters: (*events.MemoryBus).DeadLetters,
		})
}

func TestMemoryBusDefaultRetrySchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := events.NewMemoryBus(logging.Discard())
		defer bus.Close()

		var mu sync.Mutex
		var offsets []time.Duration
		start := time.Now()
		fail := func(context.Context, events.Envelope) error {
			mu.Lock()
			defer mu.Unlock()
			offsets = append(offsets, time.Since(start))
			return errors.New("down")
		}
		mustSubscribe(t, bus, "alpha", fail, "#")
		e := mustNew(t, t.Context(), events.OrderPlaced, "order-1", nil)
		mustPublish(t, bus, e)

		time.Sleep(time.Minute) // the fake clock runs every retry
		synctest.Wait()

		mu.Lock()
		defer mu.Unlock()
		want := []time.Duration{0, 100 * time.Millisecond, 300 * time.Millisecond, 700 * time.Millisecond, 1500 * time.Millisecond}
		if !slices.Equal(offsets, want) {
			t.Errorf("attempts at %v, want %v", offsets, want)
		}
		dls := bus.DeadLetters("alpha")
		if len(dls) != 1 || dls[0].Envelope.ID != e.ID || dls[0].Attempts != events.DefaultMaxAttempts || dls[0].Reason != "down" {
			t.Errorf("dead letters = %+v", dls)
		}
	})
}

// A bus closed in every state leaves no goroutine behind: synctest.Test
// fails on any goroutine of the bubble still blocked when it ends.
func TestMemoryBusCloseStopsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := events.NewMemoryBus(logging.Discard())
		blocked := func(ctx context.Context, _ events.Envelope) error { <-ctx.Done(); return ctx.Err() }
		failing := func(context.Context, events.Envelope) error { return errors.New("down") }
		idle := func(context.Context, events.Envelope) error { return nil }
		mustSubscribe(t, bus, "running", blocked, events.OrderPlaced)
		mustSubscribe(t, bus, "backing_off", failing, events.OrderPlaced)
		mustSubscribe(t, bus, "idle", idle, events.OrderCancelled)
		for range 3 {
			mustPublish(t, bus, mustNew(t, t.Context(), events.OrderPlaced, "order-1", nil))
		}
		synctest.Wait() // one handler blocked, one waiting out a backoff, one idle

		if err := bus.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if dls := bus.DeadLetters("backing_off"); len(dls) != 0 {
			t.Errorf("Close dead-lettered %d events; a stopped retry is not a failure", len(dls))
		}
	})
}

func TestMemoryBusSubscriberNameIsTakenUntilStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := events.NewMemoryBus(logging.Discard())
		defer bus.Close()
		reject := func(context.Context, events.Envelope) error { return events.Permanent(errors.New("no")) }

		ctx, cancel := context.WithCancel(t.Context())
		if err := bus.Subscribe(ctx, "alpha", reject, "#"); err != nil {
			t.Fatalf("Subscribe: %v", err)
		}
		if err := bus.Subscribe(t.Context(), "alpha", reject, "#"); err == nil {
			t.Fatalf("second Subscribe of the same name succeeded")
		}
		mustPublish(t, bus, mustNew(t, t.Context(), events.OrderPlaced, "order-1", nil))
		synctest.Wait()
		cancel()
		synctest.Wait()

		got := make(chan events.Envelope, 1)
		mustSubscribe(t, bus, "alpha", func(_ context.Context, e events.Envelope) error { got <- e; return nil }, "#")
		e := mustNew(t, t.Context(), events.OrderAccepted, "order-1", nil)
		mustPublish(t, bus, e)
		synctest.Wait()
		if d := <-got; d.ID != e.ID {
			t.Errorf("new subscription got %s, want %s", d.ID, e.ID)
		}
		// Dead letters outlive the subscription, like a dead-letter queue.
		if dls := bus.DeadLetters("alpha"); len(dls) != 1 {
			t.Errorf("dead letters after resubscribing: %+v", dls)
		}
	})
}

func TestMemoryBusSubscribersOwnTheirData(t *testing.T) {
	bus := events.NewMemoryBus(logging.Discard())
	t.Cleanup(func() { _ = bus.Close() })
	e := mustNew(t, t.Context(), events.CustomerRegistered, "c-1",
		events.CustomerRegisteredData{CustomerID: "c-1", Email: "a@example.com", Name: "Ada"})
	original := string(e.Data)

	scribbled := make(chan struct{})
	mustSubscribe(t, bus, "vandal", func(_ context.Context, e events.Envelope) error {
		clear(e.Data)
		close(scribbled)
		return nil
	}, events.CustomerRegistered)
	got := make(chan string, 1)
	mustSubscribe(t, bus, "reader", func(_ context.Context, e events.Envelope) error {
		<-scribbled
		got <- string(e.Data)
		return nil
	}, events.CustomerRegistered)

	mustPublish(t, bus, e)
	clear(e.Data) // the publisher reuses its buffer
	select {
	case data := <-got:
		if data != original {
			t.Errorf("reader got %q, want %q", data, original)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery")
	}
}

func TestMemoryBusDeadLettersReturnsACopy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := events.NewMemoryBus(logging.Discard())
		defer bus.Close()
		if dls := bus.DeadLetters("nobody"); len(dls) != 0 {
			t.Errorf("unknown subscriber has dead letters: %+v", dls)
		}
		mustSubscribe(t, bus, "alpha", func(context.Context, events.Envelope) error {
			return events.Permanent(errors.New("no"))
		}, "#")
		mustPublish(t, bus, mustNew(t, t.Context(), events.OrderPlaced, "order-1", nil))
		synctest.Wait()
		dls := bus.DeadLetters("alpha")
		dls[0].Reason = "changed"
		if again := bus.DeadLetters("alpha"); again[0].Reason == "changed" {
			t.Error("DeadLetters exposes the bus's own slice")
		}
	})
}

func TestMemoryBusPublish(t *testing.T) {
	bus := events.NewMemoryBus(logging.Discard())
	t.Cleanup(func() { _ = bus.Close() })
	e := mustNew(t, t.Context(), events.OrderPlaced, "order-1", nil)
	if err := bus.Publish(t.Context(), e); err != nil {
		t.Errorf("Publish without subscribers: %v", err)
	}
	if err := bus.Publish(t.Context()); err != nil {
		t.Errorf("Publish of nothing: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := bus.Publish(ctx, e); !errors.Is(err, context.Canceled) {
		t.Errorf("Publish with a cancelled ctx: err = %v", err)
	}
}

func mustNew(t testing.TB, ctx context.Context, typ, subject string, data any) events.Envelope {
	t.Helper()
	source, _, _ := strings.Cut(typ, ".")
	e, err := events.New(ctx, source, typ, subject, data)
	if err != nil {
		t.Fatalf("events.New: %v", err)
	}
	return e
}

func mustSubscribe(t testing.TB, bus events.Subscriber, name string, h events.Handler, patterns ...string) {
	t.Helper()
	if err := bus.Subscribe(t.Context(), name, h, patterns...); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
}

func mustPublish(t testing.TB, bus events.Publisher, es ...events.Envelope) {
	t.Helper()
	if err := bus.Publish(t.Context(), es...); err != nil {
		t.Fatalf("Publish: %v", err)
	}
}
