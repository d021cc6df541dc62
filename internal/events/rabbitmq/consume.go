package rabbitmq

// Why retries happen in place, holding the delivery, rather than by
// nack-and-requeue with the attempt read from x-delivery-count (measured on
// RabbitMQ 3.10.8, quorum queues):
//
//   - A nack with requeue puts the message back at the head of a quorum
//     queue: it comes straight back, ahead of the others. With prefetch 1
//     that keeps the order but consumes at ~750 msg/s (every ack is a Raft
//     round trip before the next delivery); with prefetch > 1 the messages
//     already prefetched overtake it, so the order events.Subscriber
//     promises (one at a time, in publish order) is lost.
//   - x-delivery-count counts every return, including those caused by a
//     lost connection or a closed channel: a message merely waiting in the
//     prefetch buffer across a few reconnects would reach its attempt limit
//     without its handler ever failing.
//
// So a failed handler is called again on the same delivery after the
// Retry backoff, up to Retry.MaxAttempts attempts per delivery, which keeps
// order with any prefetch and counts only real failures. x-delivery-limit
// remains the backstop for what in-place retries cannot see: a handler that
// crashes its process redelivers until the broker dead-letters the message
// with reason delivery_limit. Dead-lettering after MaxAttempts is done by
// publishing a copy, carrying the failure reason and the attempt count, to
// the dead-letter exchange with a confirm and then acking the original: a
// plain reject would dead-letter it with nothing but reason "rejected".

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
)

// Headers a dead letter carries besides those of the original message.
const (
	headerReason     = "dead_letter_reason"
	headerAttempts   = "dead_letter_attempts"
	headerSubscriber = "dead_letter_subscriber"
	headerAt         = "dead_letter_at"
)

// subscription is one Subscribe, SubscribeConcurrent or
// SubscribeBroadcast call.
type subscription struct {
	b         *Bus
	key       string // in Bus.subs
	name      string
	patterns  []string
	handler   events.Handler
	batch     events.BatchHandler // nil: one event per call
	maxBatch  int                 // events per batch handler call, at most
	broadcast bool
	lanes     int // handler calls at once, one lane per subject hash
}

// Subscribe declares subscriber's quorum queue and dead-letter queue, binds
// the queue to patterns on the topic exchange, and delivers its events to
// h one at a time, in queue order, until ctx ends or the bus closes; see
// events.Subscriber. It returns once the bindings are in place. The
// consumer is resumed after every reconnection.
//
// Bindings outlive the process, so a pattern dropped from a later
// Subscribe stays bound until someone unbinds it; events that match none
// of the current patterns are acknowledged and skipped with a warning.
func (b *Bus) Subscribe(ctx context.Context, subscriber string, h events.Handler, patterns ...string) error {
	return b.SubscribeConcurrent(ctx, subscriber, 1, h, patterns...)
}

// SubscribeConcurrent is Subscribe with up to lanes handler calls at once;
// see events.ConcurrentSubscriber. The queue still has a single active
// consumer (this process, while it lives); the concurrency is inside it,
// on lanes by subject, each acknowledging its deliveries one by one, and
// the prefetch grows to keep every lane fed (see WithPrefetch).
func (b *Bus) SubscribeConcurrent(ctx context.Context, subscriber string, lanes int, h events.Handler, patterns ...string) error {
	if err := errors.Join(events.CheckSubscription(subscriber, h, patterns), events.CheckLanes(lanes)); err != nil {
		return err
	}
	return b.subscribe(ctx, &subscription{
		b: b, key: subscriber, name: subscriber, patterns: slices.Clone(patterns), handler: events.Recover(h),
		maxBatch: 1, lanes: lanes,
	})
}

// SubscribeBatch is SubscribeConcurrent where each lane hands the
// deliveries waiting in it, up to maxBatch, to one call of h, and acks
// them all once it returns nil; see events.BatchSubscriber. On failure the
// lane handles them one by one, exactly as SubscribeConcurrent would. The
// prefetch grows so that a lane can have two batches' worth unacked: one
// being handled, the next arriving meanwhile.
func (b *Bus) SubscribeBatch(ctx context.Context, subscriber string, lanes, maxBatch int, h events.BatchHandler, patterns ...string) error {
	if err := events.CheckBatchSubscription(subscriber, lanes, maxBatch, h, patterns); err != nil {
		return err
	}
	return b.subscribe(ctx, &subscription{
		b: b, key: subscriber, name: subscriber, patterns: slices.Clone(patterns), handler: events.Recover(h.One()),
		batch: events.RecoverBatch(h), maxBatch: maxBatch, lanes: lanes,
	})
}

// SubscribeBroadcast delivers every event matching patterns to h in this
// process, whatever other processes subscribed: each call has its own
// exclusive, auto-delete, server-named queue, which is how every replica
// of a subgraph feeds its live GraphQL subscriptions. There are no
// retries and no dead letters: a failed or panicking handler is logged and
// the event dropped, since a live view only cares about what comes next.
// Events published while the connection is down are missed (the queue
// goes with the connection), and when the queue holds more than the
// broadcast max length the oldest are dropped. name (a subgraph-style
// word) labels logs and metrics and is subscribed once per bus.
func (b *Bus) SubscribeBroadcast(ctx context.Context, name string, h events.Handler, patterns ...string) error {
	if err := events.CheckSubscription(name, h, patterns); err != nil {
		return err
	}
	return b.subscribe(ctx, &subscription{
		b: b, key: "broadcast:" + name, name: name, patterns: slices.Clone(patterns),
		handler: events.Recover(h), maxBatch: 1, broadcast: true, lanes: 1,
	})
}

func (b *Bus) subscribe(ctx context.Context, s *subscription) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return events.ErrClosed
	}
	if _, ok := b.subs[s.key]; ok {
		b.mu.Unlock()
		return fmt.Errorf("subscriber %q is already subscribed", s.name)
	}
	b.subs[s.key] = s
	b.subsWG.Add(1)
	b.mu.Unlock()

	// The subscription lives until ctx ends or the bus closes.
	sctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(b.subsCtx, cancel)
	release := func() {
		stop()
		cancel()
		b.mu.Lock()
		delete(b.subs, s.key)
		b.mu.Unlock()
		b.subsWG.Done()
	}
	c, err := s.start(sctx)
	if err != nil {
		release()
		if b.subsCtx.Err() != nil {
			return events.ErrClosed
		}
		return err
	}
	b.log.DebugContext(ctx, "events subscribed", "subscriber", s.name, "queue", c.queue, "patterns", s.patterns, "broadcast", s.broadcast)
	go func() {
		defer release()
		s.run(sctx, c)
	}()
	return nil
}

// consumer is a subscription's channel and deliveries on one session.
type consumer struct {
	ch         *amqp.Channel
	queue      string
	deliveries <-chan amqp.Delivery
	closed     <-chan *amqp.Error
}

// start declares the subscription's queues and bindings on a fresh channel
// and starts consuming. A connection lost midway is waited out; any other
// failure (a queue declared elsewhere with other arguments, say) is
// returned.
func (s *subscription) start(ctx context.Context) (*consumer, error) {
	for {
		sess, err := s.b.cons.session(ctx)
		if err != nil {
			return nil, err
		}
		ch, err := sess.conn.Channel()
		if err == nil {
			var c *consumer
			if c, err = s.declare(ch); err == nil {
				return c, nil
			}
			_ = ch.Close()
		}
		if !sess.conn.IsClosed() {
			return nil, err
		}
		select {
		case <-sess.done: // then session() waits for the next one
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *subscription) declare(ch *amqp.Channel) (*consumer, error) {
	b := s.b
	if err := b.declareExchanges(ch); err != nil {
		return nil, err
	}
	var queue string
	if s.broadcast {
		var args amqp.Table
		if n := b.cfg.broadcastMaxLength; n > 0 {
			args = amqp.Table{"x-max-length": int64(n), "x-overflow": "drop-head"}
		}
		q, err := ch.QueueDeclare("", false, true, true, false, args)
		if err != nil {
			return nil, fmt.Errorf("declare broadcast queue: %w", err)
		}
		queue = q.Name
	} else {
		queue = b.cfg.queueName(s.name)
		dlq := b.cfg.dlqName(s.name)
		if _, err := ch.QueueDeclare(dlq, true, false, false, false, amqp.Table{"x-queue-type": "quorum"}); err != nil {
			return nil, fmt.Errorf("declare queue %s: %w", dlq, err)
		}
		if err := ch.QueueBind(dlq, queue, b.cfg.dlxName(), false, nil); err != nil {
			return nil, fmt.Errorf("bind %s to %s: %w", dlq, b.cfg.dlxName(), err)
		}
		args := amqp.Table{
			"x-queue-type":              "quorum",
			"x-dead-letter-exchange":    b.cfg.dlxName(),
			"x-dead-letter-routing-key": queue,
			"x-delivery-limit":          int64(b.cfg.deliveryLimit),
			// Quorum queues dead-letter at most once unless told otherwise:
			// a dead letter the DLQ fails to take would be lost.
			// At-least-once requires reject-publish overflow.
			"x-dead-letter-strategy": "at-least-once",
			"x-overflow":             "reject-publish",
		}
		if b.cfg.singleActive {
			args["x-single-active-consumer"] = true
		}
		if _, err := ch.QueueDeclare(queue, true, false, false, false, args); err != nil {
			return nil, fmt.Errorf("declare queue %s: %w", queue, err)
		}
		b.noteDeclared(queue, dlq)
	}
	for _, p := range s.patterns {
		if err := ch.QueueBind(queue, p, b.cfg.exchangeName(), false, nil); err != nil {
			return nil, fmt.Errorf("bind %s to %s: %w", queue, p, err)
		}
	}
	if err := ch.Qos(s.prefetch(), 0, false); err != nil {
		return nil, fmt.Errorf("prefetch: %w", err)
	}
	closed := ch.NotifyClose(make(chan *amqp.Error, 1))
	deliveries, err := ch.Consume(queue, "", false, s.broadcast, false, false, nil)
	if err != nil {
		return nil, fmt.Errorf("consume %s: %w", queue, err)
	}
	return &consumer{ch: ch, queue: queue, deliveries: deliveries, closed: closed}, nil
}

// run handles deliveries until ctx ends, starting a new consumer whenever
// the channel or the connection goes away.
func (s *subscription) run(ctx context.Context, c *consumer) {
	for {
		s.consume(ctx, c)
		_ = c.ch.Close() // unacknowledged messages go back to the queue
		if ctx.Err() != nil {
			return
		}
		for attempt := 0; ; attempt++ {
			var err error
			if c, err = s.start(ctx); err == nil {
				s.b.log.InfoContext(ctx, "events consumer resumed", "subscriber", s.name, "queue", c.queue)
				break
			}
			if ctx.Err() != nil {
				return
			}
			wait := backoff(attempt, s.b.cfg.minBackoff, s.b.cfg.maxBackoff)
			s.b.log.WarnContext(ctx, "events consumer restart failed", "subscriber", s.name, "retry_in", wait, "err", err)
			if !events.Sleep(ctx, wait) {
				return
			}
		}
	}
}

// lanePrefetch is how many unacknowledged deliveries a subscription holds
// per lane at least: enough that a lane finds its next event waiting when
// it acks one, and that a lane held up by a retrying event does not take
// the whole window before the other lanes are starved.
const lanePrefetch = 32

// prefetch is the subscription's window of unacknowledged deliveries.
func (s *subscription) prefetch() int {
	return min(65535, max(s.b.cfg.prefetch, max(lanePrefetch, 2*s.maxBatch)*s.lanes))
}

// delivery is a message and what it says, decoded once by the dispatcher.
type delivery struct {
	amqp.Delivery
	env events.Envelope
	err error // the body does not decode into a valid envelope
}

// consume handles c's deliveries until the channel closes or ctx ends: it
// decodes each and hands it to the lane of its subject, where the lane's
// goroutine handles its deliveries one at a time. It returns only once
// every lane has stopped, so that no handler of this consumer is still
// running when the next one starts: it could be handling an event whose
// subject's next event the new consumer is about to deliver.
func (s *subscription) consume(ctx context.Context, c *consumer) {
	// The broker never has more than the prefetch unacknowledged, so a
	// lane's buffer of that size never fills and the dispatcher never
	// waits for a lane: a slow lane holds up nothing but its subjects.
	lanes := make([]chan *delivery, s.lanes)
	stopped := make(chan struct{}) // closed when this consumer takes no more
	var wg sync.WaitGroup
	for i := range lanes {
		lanes[i] = make(chan *delivery, s.prefetch())
		wg.Go(func() { s.runLane(ctx, c, lanes[i], stopped) })
	}
	defer func() {
		close(stopped)
		for _, l := range lanes {
			close(l)
		}
		wg.Wait()
	}()
	for {
		var d amqp.Delivery
		var ok bool
		select {
		case d, ok = <-c.deliveries:
		case <-ctx.Done():
			return
		}
		if !ok || ctx.Err() != nil {
			return
		}
		dd := &delivery{Delivery: d}
		dd.env, dd.err = decode(d)
		key := dd.env.Subject
		if dd.err != nil {
			key = d.MessageId
		}
		select {
		case lanes[events.Lane(key, len(lanes))] <- dd:
		case <-ctx.Done():
			return
		}
	}
}

// runLane handles the deliveries of one lane in order. Once the consumer
// has stopped, or a handler was interrupted, the rest are left unacked:
// the broker redelivers them to the next consumer.
func (s *subscription) runLane(ctx context.Context, c *consumer, queue <-chan *delivery, stopped <-chan struct{}) {
	acks := &acker{ch: c.ch, max: 1}
	if s.lanes == 1 {
		acks.max = min(maxAckBatch, max(1, s.prefetch()/2))
	}
	defer acks.flush(ctx, s.b)
	live := true
	for {
		var d *delivery
		var ok bool
		select {
		case d, ok = <-queue:
		default:
			// Idle: settle what was handled before waiting for more.
			acks.flush(ctx, s.b)
			d, ok = <-queue
		}
		if !ok {
			return
		}
		// Whatever else is waiting joins d, up to the batch size.
		batch := []*delivery{d}
	more:
		for len(batch) < s.maxBatch {
			select {
			case d, ok := <-queue:
				if !ok {
					break more
				}
				batch = append(batch, d)
			default:
				break more
			}
		}
		select {
		case <-stopped:
			live = false
		default:
		}
		switch {
		case !live || ctx.Err() != nil:
			// Drained, unacked, until consume closes the queue.
		case s.broadcast:
			s.handleBroadcast(ctx, acks, d)
		default:
			live = s.handleBatch(ctx, c, acks, batch)
		}
	}
}

// handleBatch hands ds to the batch handler in one call when there are
// several and all are events for it, and otherwise, or when that call
// fails, handles them one at a time. It reports false when the consumer
// must stop; the deliveries not yet settled are then redelivered.
func (s *subscription) handleBatch(ctx context.Context, c *consumer, acks *acker, ds []*delivery) bool {
	b := s.b
	for _, d := range ds {
		if d.Redelivered {
			b.metrics.redelivered.WithLabelValues(s.name).Inc()
		}
	}
	if len(ds) > 1 && s.batchable(ds) {
		es := make([]events.Envelope, len(ds))
		for i, d := range ds {
			es[i] = d.env
		}
		err := s.batch(ctx, es)
		if err == nil {
			for _, d := range ds {
				b.metrics.consumed.WithLabelValues(s.name, d.env.Type).Inc()
				acks.add(ctx, b, d.Delivery)
			}
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		select {
		case <-c.closed:
			return false
		default:
		}
		b.log.WarnContext(ctx, "event batch failed, handling its events one at a time",
			events.FailureAttrs(err, "subscriber", s.name, "events", len(ds))...)
	}
	for _, d := range ds {
		if !s.handle(ctx, c, acks, d) {
			return false
		}
	}
	return true
}

// batchable reports whether every delivery of ds is an event for the
// batch handler: undecodable and unbound ones take the single path.
func (s *subscription) batchable(ds []*delivery) bool {
	if s.batch == nil {
		return false
	}
	for _, d := range ds {
		if d.err != nil || !slices.ContainsFunc(s.patterns, func(p string) bool { return events.Matches(p, d.env.Type) }) {
			return false
		}
	}
	return true
}

// maxAckBatch bounds how many handled deliveries share one ack: enough to
// save most of the writes, few enough that a lost connection redelivers
// little that was already handled.
const maxAckBatch = 16

// acker settles a lane's handled deliveries. A subscription with a single
// lane acks with one multiple ack per burst instead of one frame (and one
// write) each, flushing whenever the lane goes idle, before a retry wait
// and when the consumer stops, so an idle consumer holds nothing
// unsettled. With several lanes every delivery is acked on its own (max
// 1): a multiple ack settles every earlier delivery of the channel, and
// other lanes may still be handling some of those.
type acker struct {
	ch      *amqp.Channel
	max     int
	last    uint64
	pending int
}

func (a *acker) add(ctx context.Context, b *Bus, d amqp.Delivery) {
	a.last = d.DeliveryTag
	if a.pending++; a.pending >= a.max {
		a.flush(ctx, b)
	}
}

func (a *acker) flush(ctx context.Context, b *Bus) {
	if a.pending == 0 {
		return
	}
	if err := a.ch.Ack(a.last, a.pending > 1); err != nil {
		// The channel is gone; the broker redelivers, the inbox dedups.
		b.log.DebugContext(ctx, "ack failed", "deliveries", a.pending, "err", err)
	}
	a.pending = 0
}

// handle runs the handler on d until it succeeds or d is dead-lettered,
// and reports false when the consumer must stop: ctx ended or the channel
// closed (the broker then redelivers d).
func (s *subscription) handle(ctx context.Context, c *consumer, acks *acker, dd *delivery) bool {
	b := s.b
	d, e := dd.Delivery, dd.env
	if dd.err != nil {
		acks.flush(ctx, b)
		s.deadLetter(ctx, d, e, events.Permanent(dd.err), 0)
		return true
	}
	if !slices.ContainsFunc(s.patterns, func(p string) bool { return events.Matches(p, e.Type) }) {
		b.metrics.skipped.WithLabelValues(s.name, e.Type).Inc()
		b.log.WarnContext(ctx, "event matches none of the subscriber's patterns, skipped (stale binding?)",
			"subscriber", s.name, "event_type", e.Type, "event_id", e.ID, "patterns", s.patterns)
		acks.add(ctx, b, d)
		return true
	}
	hctx := logging.WithCorrelationID(ctx, e.CorrelationID)
	for attempt := 1; ; attempt++ {
		err := s.handler(hctx, e)
		if err == nil {
			b.metrics.consumed.WithLabelValues(s.name, e.Type).Inc()
			acks.add(hctx, b, d)
			return true
		}
		// Settle earlier successes before holding this one for long.
		acks.flush(ctx, b)
		if ctx.Err() != nil {
			// Stopping: the failure is the cancellation, not the event's.
			return false
		}
		attrs := events.FailureAttrs(err, "subscriber", s.name, "event_type", e.Type, "event_id", e.ID,
			"attempt", attempt, "deliveries", deliveryCount(d)+1)
		if b.cfg.retry.GiveUp(attempt, err) {
			s.deadLetter(hctx, d, e, err, attempt)
			return true
		}
		b.metrics.retried.WithLabelValues(s.name, e.Type).Inc()
		wait := b.cfg.retry.Backoff(attempt)
		b.log.WarnContext(hctx, "event handler failed, will retry", append(attrs, "retry_in", wait)...)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		case <-c.closed:
			// The broker has taken d back and will redeliver it.
			t.Stop()
			return false
		}
	}
}

func (s *subscription) handleBroadcast(ctx context.Context, acks *acker, dd *delivery) {
	b := s.b
	d, e, err := dd.Delivery, dd.env, dd.err
	switch {
	case err != nil:
		b.log.ErrorContext(ctx, "undecodable broadcast event dropped", "subscriber", s.name, "event_id", d.MessageId, "err", err)
		b.metrics.dropped.WithLabelValues(s.name, d.Type).Inc()
	case !slices.ContainsFunc(s.patterns, func(p string) bool { return events.Matches(p, e.Type) }):
		b.metrics.skipped.WithLabelValues(s.name, e.Type).Inc()
	default:
		hctx := logging.WithCorrelationID(ctx, e.CorrelationID)
		if err := s.handler(hctx, e); err != nil && ctx.Err() == nil {
			b.metrics.dropped.WithLabelValues(s.name, e.Type).Inc()
			b.log.WarnContext(hctx, "broadcast handler failed, event dropped",
				"subscriber", s.name, "event_type", e.Type, "event_id", e.ID, "err", err)
		} else if err == nil {
			b.metrics.consumed.WithLabelValues(s.name, e.Type).Inc()
		}
	}
	acks.add(ctx, b, d)
}

// deadLetter moves d to the subscriber's dead-letter queue with the reason
// and attempt count, and acks it. When the copy cannot be confirmed in time
// (the publishing connection is down) it rejects d instead, and the broker
// dead-letters it with reason "rejected": the cause then survives only in
// this log record. When the subscription stops meanwhile, d is left to be
// redelivered, so that Close is not held up by a broker outage.
func (s *subscription) deadLetter(ctx context.Context, d amqp.Delivery, e events.Envelope, cause error, attempts int) {
	b := s.b
	reason := cause.Error()
	if len(reason) > maxReasonLength {
		reason = strings.ToValidUTF8(reason[:maxReasonLength], "")
	}
	headers := amqp.Table{}
	for k, v := range d.Headers {
		if !brokerHeader(k) {
			headers[k] = v
		}
	}
	headers[headerReason] = reason
	headers[headerAttempts] = int64(attempts)
	headers[headerSubscriber] = s.name
	// Nanoseconds, as text: an AMQP timestamp keeps whole seconds only,
	// too coarse to order dead letters by.
	headers[headerAt] = time.Now().UTC().Format(time.RFC3339Nano)
	msg := outgoing{
		exchange: b.cfg.dlxName(),
		key:      b.cfg.queueName(s.name),
		msg:      republished(d, headers),
	}
	sctx, cancel := context.WithTimeout(ctx, b.cfg.confirmTimeout)
	defer cancel()
	err := b.send(sctx, []outgoing{msg})
	attrs := []any{
		"subscriber", s.name, "event_type", e.Type, "event_id", e.ID,
		"attempts", attempts, "reason", reason,
	}
	if pe, ok := errors.AsType[*events.PanicError](cause); ok {
		attrs = append(attrs, "stack", string(pe.Stack))
	}
	if err != nil && ctx.Err() != nil {
		b.log.WarnContext(ctx, "subscription stopped while dead-lettering, the event will be redelivered", append(attrs, "err", err)...)
		return
	}
	if err != nil {
		if rerr := d.Reject(false); rerr != nil {
			b.log.ErrorContext(ctx, "event could not be dead-lettered, it will be redelivered",
				append(attrs, "err", err, "reject_err", rerr)...)
			return
		}
		attrs = append(attrs, "copy_err", err)
	} else if err := d.Ack(false); err != nil {
		b.log.DebugContext(ctx, "ack failed", "event_id", d.MessageId, "err", err)
	}
	b.metrics.deadLettered.WithLabelValues(s.name, e.Type).Inc()
	b.log.ErrorContext(ctx, "event dead-lettered", attrs...)
}

// decode reads the envelope in d's body. On failure the envelope holds
// what the message properties say, for the dead letter's record.
func decode(d amqp.Delivery) (events.Envelope, error) {
	var e events.Envelope
	if err := json.Unmarshal(d.Body, &e); err != nil {
		return events.Envelope{ID: d.MessageId, Type: d.Type, CorrelationID: d.CorrelationId, Time: d.Timestamp},
			fmt.Errorf("undecodable event body: %w", err)
	}
	if err := e.Validate(); err != nil {
		return e, err
	}
	return e, nil
}

// republished is d as a new message with the given headers.
func republished(d amqp.Delivery, headers amqp.Table) amqp.Publishing {
	return amqp.Publishing{
		Headers:         headers,
		ContentType:     d.ContentType,
		ContentEncoding: d.ContentEncoding,
		DeliveryMode:    amqp.Persistent,
		CorrelationId:   d.CorrelationId,
		MessageId:       d.MessageId,
		Timestamp:       d.Timestamp,
		Type:            d.Type,
		AppId:           d.AppId,
		Body:            d.Body,
	}
}

// brokerHeader reports whether the broker set header k on delivery.
func brokerHeader(k string) bool {
	switch k {
	case "x-delivery-count", "x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
		"x-last-death-exchange", "x-last-death-queue", "x-last-death-reason":
		return true
	}
	return false
}

// deliveryCount is the quorum queue's count of earlier deliveries of d.
func deliveryCount(d amqp.Delivery) int {
	return intHeader(d.Headers, "x-delivery-count")
}

func intHeader(h amqp.Table, k string) int {
	switch v := h[k].(type) {
	case int64:
		return int(v)
	case int32:
		return int(v)
	case int:
		return v
	case int16:
		return int(v)
	case int8:
		return int(v)
	case uint16:
		return int(v)
	case uint32:
		return int(v)
	case byte:
		return int(v)
	}
	return 0
}
