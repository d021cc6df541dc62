package rabbitmq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/platterhq/platter/internal/events"
)

// ErrUnroutable is wrapped by the error of a Publish whose event no queue
// is bound to, with WithStrictRouting, and of every dead-letter or replay
// copy that finds no queue: a subscriber is missing or misconfigured, which
// retrying will not fix. The broker returned the message (mandatory flag).
var ErrUnroutable = errors.New("event routed to no queue")

// publishWindow is how many messages one Publish keeps unconfirmed before
// waiting for the oldest: confirms are awaited as a window, never one by
// one, but a huge batch does not pile up in the broker's memory either.
const publishWindow = 1024

// maxReasonLength bounds the failure reason kept with a dead letter.
const maxReasonLength = 2048

func (b *Bus) setupPublisher(s *session) error {
	ch, err := s.conn.Channel()
	if err != nil {
		return fmt.Errorf("open publish channel: %w", err)
	}
	if err := b.declareExchanges(ch); err != nil {
		return err
	}
	if err := ch.Confirm(false); err != nil {
		return fmt.Errorf("confirm mode: %w", err)
	}
	s.ch = ch
	s.returns = newReturnTracker(b, ch)
	return nil
}

func (b *Bus) setupConsumer(s *session) error {
	ch, err := s.conn.Channel()
	if err != nil {
		return fmt.Errorf("open channel: %w", err)
	}
	defer ch.Close()
	return b.declareExchanges(ch)
}

func (b *Bus) declareExchanges(ch *amqp.Channel) error {
	if err := ch.ExchangeDeclare(b.cfg.exchangeName(), amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare exchange %s: %w", b.cfg.exchangeName(), err)
	}
	if err := ch.ExchangeDeclare(b.cfg.dlxName(), amqp.ExchangeDirect, true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare exchange %s: %w", b.cfg.dlxName(), err)
	}
	return nil
}

// Publish sends the events in order to the topic exchange, persistent and
// mandatory, and returns nil only once the broker has confirmed every one.
// Invalid envelopes fail the whole call before anything is sent. While the
// broker is unreachable Publish waits, bounded by ctx, and then sends;
// messages whose confirm was lost with a connection are sent again from
// the first unconfirmed one, so a consumer may see duplicates (never a
// gap) and the last copies keep the publish order. A nack, a confirm
// timeout is an error: the caller (the outbox relay) tries again later.
// An event that no queue is bound to is returned by the broker; it is
// logged and counted, and an error wrapping ErrUnroutable only with
// WithStrictRouting.
func (b *Bus) Publish(ctx context.Context, es ...events.Envelope) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, e := range es {
		if err := e.Validate(); err != nil {
			return err
		}
	}
	if b.isClosed() {
		return events.ErrClosed
	}
	msgs := make([]outgoing, len(es))
	for i, e := range es {
		body, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode event %s: %w", e.ID, err)
		}
		msgs[i] = outgoing{
			exchange: b.cfg.exchangeName(),
			key:      e.Type,
			event:    true,
			msg: amqp.Publishing{
				ContentType:   "application/json",
				DeliveryMode:  amqp.Persistent,
				MessageId:     e.ID,
				CorrelationId: e.CorrelationID,
				Type:          e.Type,
				AppId:         e.Source,
				Timestamp:     e.Time,
				Headers:       amqp.Table{"correlation_id": e.CorrelationID},
				Body:          body,
			},
		}
	}
	return b.send(ctx, msgs)
}

// outgoing is one message to publish with a confirm.
type outgoing struct {
	exchange, key string
	msg           amqp.Publishing
	// event marks what Publish sends, as opposed to dead-letter and replay
	// copies, for the metrics.
	event bool
}

func (o outgoing) returnKey() returnKey {
	return returnKey{exchange: o.exchange, key: o.key, id: o.msg.MessageId}
}

// send publishes msgs in order and waits for every confirm, across
// reconnections, within ctx.
func (b *Bus) send(ctx context.Context, msgs []outgoing) error {
	for len(msgs) > 0 {
		s, err := b.pub.session(ctx)
		if err != nil {
			return err
		}
		lost, err := b.sendOn(ctx, s, msgs)
		if err != nil {
			return err
		}
		if len(lost) > 0 {
			b.log.WarnContext(ctx, "rabbitmq publish interrupted, sending again", "unconfirmed", len(lost), "err", s.err)
		}
		msgs = lost
	}
	return nil
}

// sendOn publishes msgs on s. When s dies before every confirm came back,
// it returns the messages from the first unconfirmed one on, to send again
// on the next session; any other failure is an error.
func (b *Bus) sendOn(ctx context.Context, s *session, msgs []outgoing) (lost []outgoing, err error) {
	cctx, cancel := context.WithTimeout(ctx, b.cfg.confirmTimeout)
	defer cancel()

	keys := make([]returnKey, len(msgs))
	for i, m := range msgs {
		keys[i] = m.returnKey()
	}
	s.returns.watch(keys)
	defer s.returns.unwatch(keys)

	confirms := make([]*amqp.DeferredConfirmation, 0, len(msgs))
	firstUnconfirmed := -1 // index of the first message not acked
	var nacked []int

	// wait takes the confirm of message i (published, in order).
	wait := func(i int) error {
		acked, err := confirms[i].WaitContext(cctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("publish %d events: no confirm within %v", len(msgs), b.cfg.confirmTimeout)
		}
		m := msgs[i]
		switch {
		case acked:
			if m.event {
				b.metrics.confirmed.WithLabelValues(m.key).Inc()
			}
		case s.ch.IsClosed() || s.isDone():
			// Nacked because the channel closed: unknown, send again.
			if firstUnconfirmed < 0 {
				firstUnconfirmed = i
			}
		default:
			nacked = append(nacked, i)
			if m.event {
				b.metrics.nacked.WithLabelValues(m.key).Inc()
			}
		}
		return nil
	}

	// resend returns what to send on the next session: from the first
	// message not known to be stored, genuinely nacked ones included.
	resend := func() ([]outgoing, error) {
		select {
		case <-s.done: // let the link see it, so session() moves on
		case <-cctx.Done():
			return nil, fmt.Errorf("publish: %w", cctx.Err())
		}
		from := firstUnconfirmed
		if len(nacked) > 0 {
			from = min(from, nacked[0])
		}
		return msgs[from:], nil
	}

	waited := 0
	for i, m := range msgs {
		if i-waited >= publishWindow {
			if err := wait(waited); err != nil {
				return nil, err
			}
			waited++
		}
		dc, err := s.ch.PublishWithDeferredConfirmWithContext(cctx, m.exchange, m.key, true, false, m.msg)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if s.ch.IsClosed() || s.isDone() || errors.Is(err, amqp.ErrClosed) {
				for ; waited < len(confirms); waited++ {
					if err := wait(waited); err != nil {
						return nil, err
					}
				}
				if firstUnconfirmed < 0 {
					firstUnconfirmed = i
				}
				return resend()
			}
			return nil, fmt.Errorf("publish %s %s: %w", m.msg.Type, m.msg.MessageId, err)
		}
		if m.event {
			b.metrics.published.WithLabelValues(m.key).Inc()
		}
		confirms = append(confirms, dc)
	}
	for ; waited < len(confirms); waited++ {
		if err := wait(waited); err != nil {
			return nil, err
		}
	}
	if firstUnconfirmed >= 0 {
		return resend()
	}
	if len(nacked) > 0 {
		first := msgs[nacked[0]].msg
		return nil, fmt.Errorf("publish: broker nacked %d of %d messages (first: %s %s)", len(nacked), len(msgs), first.Type, first.MessageId)
	}

	// The broker sends basic.return before the confirm of the same message,
	// so by now every return for msgs has reached the tracker.
	returned := s.returns.take(keys)
	if len(returned) == 0 {
		return nil, nil
	}
	// A batch is all events or all copies (dead letters, replays), never
	// mixed; a copy that finds no queue is always an error.
	strict := b.cfg.strictRouting || !msgs[0].event
	level := slog.LevelWarn
	if strict {
		level = slog.LevelError
	}
	var descr []string
	for _, r := range returned {
		descr = append(descr, fmt.Sprintf("%s %s (%d %s)", r.Type, r.MessageId, r.ReplyCode, r.ReplyText))
		if r.Exchange == b.cfg.exchangeName() {
			b.metrics.returned.WithLabelValues(r.RoutingKey).Inc()
		}
		b.log.Log(ctx, level, "rabbitmq returned an unroutable message: no queue is bound to its routing key",
			"event_type", r.Type, "event_id", r.MessageId, "correlation_id", r.CorrelationId,
			"exchange", r.Exchange, "routing_key", r.RoutingKey, "reply", r.ReplyText)
	}
	if !strict {
		return nil, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrUnroutable, strings.Join(descr, ", "))
}

// returnKey identifies a published message in basic.return, which carries
// no delivery tag.
type returnKey struct{ exchange, key, id string }

// returnTracker collects the returns of one publish channel for the
// publishers waiting on them.
//
// The library hands each basic.return to an unbuffered channel from its
// reader goroutine, before it reads the confirm that follows it; the
// tracker's goroutine records a return before it answers a sync, so a
// publisher that has its confirms and then syncs sees every return that
// preceded them.
type returnTracker struct {
	b      *Bus
	syncs  chan chan struct{}
	exited chan struct{}

	mu       sync.Mutex
	watching map[returnKey]int
	returned map[returnKey]amqp.Return
}

func newReturnTracker(b *Bus, ch *amqp.Channel) *returnTracker {
	t := &returnTracker{
		b:        b,
		syncs:    make(chan chan struct{}),
		exited:   make(chan struct{}),
		watching: map[returnKey]int{},
		returned: map[returnKey]amqp.Return{},
	}
	returns := ch.NotifyReturn(make(chan amqp.Return))
	go t.run(returns)
	return t
}

func (t *returnTracker) run(returns <-chan amqp.Return) {
	defer close(t.exited)
	for {
		select {
		case r, ok := <-returns:
			if !ok {
				return
			}
			k := returnKey{exchange: r.Exchange, key: r.RoutingKey, id: r.MessageId}
			t.mu.Lock()
			if t.watching[k] > 0 {
				t.returned[k] = r
			}
			t.mu.Unlock()
		case done := <-t.syncs:
			close(done)
		}
	}
}

func (t *returnTracker) watch(keys []returnKey) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		t.watching[k]++
	}
}

func (t *returnTracker) unwatch(keys []returnKey) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if t.watching[k]--; t.watching[k] <= 0 {
			delete(t.watching, k)
			delete(t.returned, k)
		}
	}
}

// take waits for the tracker to have recorded every return received so far
// and removes those among keys.
func (t *returnTracker) take(keys []returnKey) []amqp.Return {
	done := make(chan struct{})
	select {
	case t.syncs <- done:
		<-done
	case <-t.exited:
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []amqp.Return
	for _, k := range keys {
		if r, ok := t.returned[k]; ok {
			out = append(out, r)
			delete(t.returned, k)
		}
	}
	return out
}
