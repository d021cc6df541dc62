package rabbitmq

// Figures, not assertions. Run with a fixed message count, e.g.
//
//	go test -run '^$' -bench . -benchtime 5000x ./events/rabbitmq/
//
// Each sub-benchmark moves b.N small persistent messages (one per op) and
// reports msg/s; the latency ones publish one event at a time at a modest
// rate and report p50/p99 from the Publish call to the handler. The raw/
// ones do the same with bare amqp091-go on a quorum queue: the floor the
// bus is measured against.

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/platterhq/platter/internal/events"
)

// latencyRate is the modest rate of the latency benchmarks.
const latencyRate = 1000 // msg/s

func BenchmarkBus(b *testing.B) {
	b.Run("publish/batch=1000", func(b *testing.B) { benchPublish(b, 1000) })
	b.Run("publish/batch=100", func(b *testing.B) { benchPublish(b, 100) })
	b.Run("publish/batch=1", func(b *testing.B) { benchPublish(b, 1) })
	b.Run("consume", func(b *testing.B) { benchConsume(b, 1) })
	// Lanes ack each delivery on its own: what that costs with no handler
	// work at all.
	b.Run("consume/lanes=8", func(b *testing.B) { benchConsume(b, 8) })
	b.Run("latency", benchLatency)
}

func BenchmarkRaw(b *testing.B) {
	b.Run("publish/window", benchRawPublish)
	b.Run("publish/each", benchRawPublishEach)
	b.Run("consume", benchRawConsume)
	b.Run("flow", benchRawFlow)
	b.Run("latency", benchRawLatency)
}

func benchEvents(b *testing.B, n int) []events.Envelope {
	es := make([]events.Envelope, n)
	for i := range es {
		es[i] = mustEvent(b, events.ProductUpdated, fmt.Sprintf("product-%d", i))
	}
	return es
}

// idleSubscriber binds subscriber's queue and stops consuming, so that
// published events are stored and wait there.
func idleSubscriber(b *testing.B, bus *Bus, subscriber string) {
	ctx, cancel := context.WithCancel(b.Context())
	if err := bus.Subscribe(ctx, subscriber, func(context.Context, events.Envelope) error { return nil }, events.ProductUpdated); err != nil {
		b.Fatal(err)
	}
	cancel()
}

func rate(b *testing.B, n int, d time.Duration) {
	b.ReportMetric(float64(n)/d.Seconds(), "msg/s")
}

func benchPublish(b *testing.B, batch int) {
	bus := newEnv(b).bus()
	idleSubscriber(b, bus, "shopping")
	es := benchEvents(b, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < len(es); i += batch {
		if err := bus.Publish(b.Context(), es[i:min(i+batch, len(es))]...); err != nil {
			b.Fatal(err)
		}
	}
	rate(b, b.N, time.Since(start))
}

func benchConsume(b *testing.B, lanes int) {
	bus := newEnv(b).bus()
	idleSubscriber(b, bus, "shopping")
	es := benchEvents(b, b.N)
	for i := 0; i < len(es); i += 1000 {
		if err := bus.Publish(b.Context(), es[i:min(i+1000, len(es))]...); err != nil {
			b.Fatal(err)
		}
	}
	done := make(chan struct{})
	var n atomic.Int64
	b.ResetTimer()
	start := time.Now()
	err := bus.SubscribeConcurrent(b.Context(), "shopping", lanes, func(context.Context, events.Envelope) error {
		if n.Add(1) == int64(b.N) {
			close(done)
		}
		return nil
	}, events.ProductUpdated)
	if err != nil {
		b.Fatal(err)
	}
	<-done
	rate(b, b.N, time.Since(start))
}

func benchLatency(b *testing.B) {
	bus := newEnv(b).bus()
	es := benchEvents(b, b.N)
	var mu sync.Mutex
	sent := make(map[string]time.Time, b.N)
	lat := make([]time.Duration, 0, b.N)
	done := make(chan struct{})
	err := bus.Subscribe(b.Context(), "shopping", func(_ context.Context, e events.Envelope) error {
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		lat = append(lat, now.Sub(sent[e.ID]))
		if len(lat) == b.N {
			close(done)
		}
		return nil
	}, events.ProductUpdated)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	tick := time.NewTicker(time.Second / latencyRate)
	defer tick.Stop()
	for _, e := range es {
		<-tick.C
		mu.Lock()
		sent[e.ID] = time.Now()
		mu.Unlock()
		if err := bus.Publish(b.Context(), e); err != nil {
			b.Fatal(err)
		}
	}
	<-done
	reportLatency(b, lat)
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	at := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// rawQueue declares a quorum queue like a subscriber's, deleted at the end.
func rawQueue(b *testing.B) (*env, *amqp.Channel, string) {
	e := newEnv(b)
	ch := e.raw()
	q := e.prefix + "raw"
	e.queues = append(e.queues, q)
	if _, err := ch.QueueDeclare(q, true, false, false, false, amqp.Table{"x-queue-type": "quorum"}); err != nil {
		b.Fatal(err)
	}
	return e, ch, q
}

func rawPublishAll(b *testing.B, ch *amqp.Channel, q string, n int) {
	if err := ch.Confirm(false); err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 400) // about an envelope's size
	dcs := make([]*amqp.DeferredConfirmation, 0, publishWindow)
	for i := range n {
		dc, err := ch.PublishWithDeferredConfirmWithContext(b.Context(), "", q, false, false,
			amqp.Publishing{DeliveryMode: amqp.Persistent, Body: body, MessageId: fmt.Sprint(i)})
		if err != nil {
			b.Fatal(err)
		}
		if dcs = append(dcs, dc); len(dcs) == publishWindow || i == n-1 {
			for _, dc := range dcs {
				if !dc.Wait() {
					b.Fatal("nack")
				}
			}
			dcs = dcs[:0]
		}
	}
}

func benchRawPublish(b *testing.B) {
	_, ch, q := rawQueue(b)
	b.ResetTimer()
	start := time.Now()
	rawPublishAll(b, ch, q, b.N)
	rate(b, b.N, time.Since(start))
}

// benchRawPublishEach awaits every confirm before the next publish, as a
// caller publishing one event per call does.
func benchRawPublishEach(b *testing.B) {
	_, ch, q := rawQueue(b)
	if err := ch.Confirm(false); err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 400)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		dc, err := ch.PublishWithDeferredConfirmWithContext(b.Context(), "", q, false, false,
			amqp.Publishing{DeliveryMode: amqp.Persistent, Body: body, MessageId: fmt.Sprint(i)})
		if err != nil {
			b.Fatal(err)
		}
		if !dc.Wait() {
			b.Fatal("nack")
		}
	}
	rate(b, b.N, time.Since(start))
}

func benchRawConsume(b *testing.B) {
	_, ch, q := rawQueue(b)
	rawPublishAll(b, ch, q, b.N)
	if err := ch.Qos(DefaultPrefetch, 0, false); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	ds, err := ch.Consume(q, "", false, false, false, false, nil)
	if err != nil {
		b.Fatal(err)
	}
	for range b.N {
		d := <-ds
		if err := d.Ack(false); err != nil {
			b.Fatal(err)
		}
	}
	rate(b, b.N, time.Since(start))
}

func benchRawLatency(b *testing.B) {
	e, ch, q := rawQueue(b)
	if err := ch.Confirm(false); err != nil {
		b.Fatal(err)
	}
	cons := e.raw() // its own connection, as the bus has
	if err := cons.Qos(DefaultPrefetch, 0, false); err != nil {
		b.Fatal(err)
	}
	ds, err := cons.Consume(q, "", false, false, false, false, nil)
	if err != nil {
		b.Fatal(err)
	}
	sent := make([]time.Time, b.N)
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range b.N {
			d := <-ds
			now := time.Now()
			var i int
			fmt.Sscan(d.MessageId, &i)
			mu.Lock()
			lat = append(lat, now.Sub(sent[i]))
			mu.Unlock()
			_ = d.Ack(false)
		}
	}()
	body := make([]byte, 400)
	b.ResetTimer()
	tick := time.NewTicker(time.Second / latencyRate)
	defer tick.Stop()
	for i := range b.N {
		<-tick.C
		mu.Lock()
		sent[i] = time.Now()
		mu.Unlock()
		dc, err := ch.PublishWithDeferredConfirmWithContext(b.Context(), "", q, false, false,
			amqp.Publishing{DeliveryMode: amqp.Persistent, Body: body, MessageId: fmt.Sprint(i)})
		if err != nil {
			b.Fatal(err)
		}
		if !dc.Wait() { // as the bus does: one event, one confirm
			b.Fatal("nack")
		}
	}
	<-done
	reportLatency(b, lat)
}

// benchRawFlow publishes with confirms in a window while a consumer on its
// own connection takes and acks the messages, both at once: the broker's
// whole publish-to-consume path, the floor of an event pipeline's
// throughput (publishing alone or consuming alone asks the broker less).
func benchRawFlow(b *testing.B) {
	e, ch, q := rawQueue(b)
	cons := e.raw()
	if err := cons.Qos(DefaultPrefetch, 0, false); err != nil {
		b.Fatal(err)
	}
	ds, err := cons.Consume(q, "", false, false, false, false, nil)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	b.ResetTimer()
	start := time.Now()
	go func() {
		defer close(done)
		for range b.N {
			d := <-ds
			_ = d.Ack(false)
		}
	}()
	rawPublishAll(b, ch, q, b.N)
	<-done
	rate(b, b.N, time.Since(start))
}
