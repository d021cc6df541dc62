package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/platterhq/platter/internal/events"
)

// replayChunk is how many dead letters Replay moves per confirm window.
const replayChunk = 512

// maxScan bounds how many dead letters one DeadLetters or Replay call
// reads, so that a queue filling as fast as it is read still ends a call.
const maxScan = 100_000

// DeadLetters returns what subscriber gave up on, oldest first (by when it
// was dead-lettered), leaving the dead-letter queue as it was.
//
// AMQP has no browse, so it takes the queue's messages (up to maxScan)
// with basic.get, without acknowledging, until the queue answers empty,
// then returns them all with one multiple nack and waits until the queue
// has applied the return. While it runs, those messages are invisible to a
// concurrent DeadLetters or Replay; each peek raises their
// x-delivery-count, which dead-letter queues do not limit. The letters are
// sorted by when they died rather than taken in queue order, which
// concurrent peeks can shuffle.
//
// Reason and Attempts come from the copy the consumer dead-lettered. For a
// message the broker dead-lettered itself, Reason names the broker's reason
// (delivery_limit: the delivery limit was reached, e.g. by a handler
// crashing its process; rejected: see the consumer's log) and Attempts is
// 0, unknown.
func (b *Bus) DeadLetters(ctx context.Context, subscriber string) ([]events.DeadLetter, error) {
	type letter struct {
		events.DeadLetter
		at time.Time
	}
	var letters []letter
	err := b.scanDeadLetters(ctx, subscriber, func(_ *dlqScan, d amqp.Delivery) error {
		letters = append(letters, letter{deadLetter(d), diedAt(d)})
		return nil
	})
	slices.SortStableFunc(letters, func(a, b letter) int { return a.at.Compare(b.at) })
	out := make([]events.DeadLetter, len(letters))
	for i, l := range letters {
		out[i] = l.DeadLetter
	}
	return out, err
}

// diedAt is when d was dead-lettered: by the consumer (to the nanosecond)
// or by the broker (to the second); zero if unknown.
func diedAt(d amqp.Delivery) time.Time {
	if s, ok := d.Headers[headerAt].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
	}
	if deaths, ok := d.Headers["x-death"].([]any); ok && len(deaths) > 0 {
		if death, ok := deaths[0].(amqp.Table); ok {
			if t, ok := death["time"].(time.Time); ok {
				return t
			}
		}
	}
	return time.Time{}
}

// Replay moves the dead letter with event id id, or every dead letter when
// id is "", from subscriber's dead-letter queue to the back of its queue,
// and returns how many it moved. Each copy is confirmed by the broker
// before the dead letter is acknowledged, so a failure midway leaves
// duplicates at worst, which the consumer's inbox absorbs. The copies go to
// the subscriber's queue only (through the default exchange), not to every
// subscriber of the type, without the dead-letter headers.
func (b *Bus) Replay(ctx context.Context, subscriber, id string) (int, error) {
	queue := b.cfg.queueName(subscriber)
	moved := 0
	var batch []amqp.Delivery
	flush := func(sc *dlqScan) error {
		if len(batch) == 0 {
			return nil
		}
		msgs := make([]outgoing, len(batch))
		for i, d := range batch {
			headers := amqp.Table{}
			for k, v := range d.Headers {
				if !brokerHeader(k) && k != headerReason && k != headerAttempts && k != headerSubscriber && k != headerAt {
					headers[k] = v
				}
			}
			msgs[i] = outgoing{exchange: "", key: queue, msg: republished(d, headers)}
		}
		if err := b.send(ctx, msgs); err != nil {
			return fmt.Errorf("replay to %s: %w", queue, err)
		}
		for _, d := range batch {
			if err := sc.ack(d); err != nil {
				return fmt.Errorf("ack replayed dead letter %s: %w", d.MessageId, err)
			}
		}
		moved += len(batch)
		b.metrics.replayed.WithLabelValues(subscriber).Add(float64(len(batch)))
		batch = batch[:0]
		return nil
	}
	err := b.scanDeadLetters(ctx, subscriber, func(sc *dlqScan, d amqp.Delivery) error {
		if id != "" && d.MessageId != id {
			return nil // left unacknowledged: returned to the DLQ at the end
		}
		batch = append(batch, d)
		if len(batch) >= replayChunk {
			return flush(sc)
		}
		return nil
	}, flush)
	if moved > 0 {
		b.log.InfoContext(ctx, "dead letters replayed", "subscriber", subscriber, "event_id", id, "count", moved)
	}
	return moved, err
}

// dlqScan is one pass over a dead-letter queue.
type dlqScan struct {
	ch    *amqp.Channel
	queue string
	held  map[uint64]bool // delivery tags got and not acknowledged
}

func (sc *dlqScan) ack(d amqp.Delivery) error {
	if err := sc.ch.Ack(d.DeliveryTag, false); err != nil {
		return err
	}
	delete(sc.held, d.DeliveryTag)
	return nil
}

// scanDeadLetters calls visit on every message of subscriber's dead-letter
// queue (up to maxScan) and then finish, and returns every message they did
// not acknowledge to the queue.
func (b *Bus) scanDeadLetters(ctx context.Context, subscriber string, visit func(*dlqScan, amqp.Delivery) error, finish ...func(*dlqScan) error) error {
	if err := events.CheckSubscription(subscriber, func(context.Context, events.Envelope) error { return nil }, []string{"#"}); err != nil {
		return err
	}
	if b.isClosed() {
		return events.ErrClosed
	}
	sess, err := b.cons.session(ctx)
	if err != nil {
		return err
	}
	ch, err := sess.conn.Channel()
	if err != nil {
		return fmt.Errorf("open channel: %w", err)
	}
	defer ch.Close() // also returns whatever is still unacknowledged
	sc := &dlqScan{ch: ch, queue: b.cfg.dlqName(subscriber), held: map[uint64]bool{}}
	if _, err := ch.QueueDeclarePassive(sc.queue, true, false, false, false, nil); err != nil {
		if ae, ok := errors.AsType[*amqp.Error](err); ok && ae.Code == amqp.NotFound {
			return fmt.Errorf("no dead-letter queue %s: subscriber %q never subscribed here", sc.queue, subscriber)
		}
		return fmt.Errorf("inspect %s: %w", sc.queue, err)
	}
	var visitErr error
	for range maxScan {
		if visitErr = ctx.Err(); visitErr != nil {
			break
		}
		d, ok, err := ch.Get(sc.queue, false)
		if err != nil {
			return fmt.Errorf("get from %s: %w", sc.queue, err)
		}
		if !ok {
			break
		}
		sc.held[d.DeliveryTag] = true
		if visitErr = visit(sc, d); visitErr != nil {
			break
		}
	}
	for _, f := range finish {
		if visitErr != nil {
			break
		}
		visitErr = f(sc)
	}
	if err := sc.giveBack(ctx); err != nil && visitErr == nil {
		visitErr = err
	}
	return visitErr
}

// giveBack returns the held messages with one multiple nack, up to the
// last held tag (a multiple nack naming an acknowledged tag is a channel
// error), and waits, briefly, until the queue has applied it. A
// quorum queue applies a return asynchronously, so without the wait a
// DeadLetters followed at once by a Replay could miss the letters the
// first still seemed to hold.
func (sc *dlqScan) giveBack(ctx context.Context) error {
	if len(sc.held) == 0 {
		return nil
	}
	last := slices.Max(slices.Collect(maps.Keys(sc.held)))
	if err := sc.ch.Nack(last, true, true); err != nil {
		return fmt.Errorf("return dead letters to %s: %w", sc.queue, err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		q, err := sc.ch.QueueDeclarePassive(sc.queue, true, false, false, false, nil)
		if err != nil {
			return fmt.Errorf("return dead letters to %s: %w", sc.queue, err)
		}
		if q.Messages >= len(sc.held) {
			return nil
		}
		if !events.Sleep(ctx, 5*time.Millisecond) {
			return nil
		}
	}
	return nil
}

// deadLetter reads a message of a dead-letter queue.
func deadLetter(d amqp.Delivery) events.DeadLetter {
	e, err := decode(d)
	dl := events.DeadLetter{Envelope: e, Attempts: intHeader(d.Headers, headerAttempts)}
	if r, ok := d.Headers[headerReason].(string); ok {
		dl.Reason = r
		return dl
	}
	reason, _ := d.Headers["x-first-death-reason"].(string)
	switch reason {
	case "delivery_limit":
		dl.Reason = "delivery limit reached: the message was delivered too many times without an outcome (handler crashing its process?)"
	case "rejected":
		dl.Reason = "rejected by the consumer; the cause is in its log"
	case "":
		dl.Reason = "unknown"
	default:
		dl.Reason = "dead-lettered by the broker: " + reason
	}
	if err != nil {
		dl.Reason += "; " + err.Error()
	}
	return dl
}
