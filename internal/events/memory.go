package events

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/platterhq/platter/internal/logging"
)

var (
	_ Bus                  = (*MemoryBus)(nil)
	_ ConcurrentSubscriber = (*MemoryBus)(nil)
	_ BatchSubscriber      = (*MemoryBus)(nil)
)

// MemoryBus is the Bus of the one-process dev mode. It keeps the semantics
// of the RabbitMQ bus, minus durability:
//
//   - each subscriber has its own queue (like a queue per subgraph bound to
//     a topic exchange) and receives its own copy of every matching event;
//   - a subscriber's events are handled one at a time, in publish order,
//     or with SubscribeConcurrent on lanes by subject: one at a time and
//     in order per subject, different subjects at once;
//   - a failing or panicking handler is retried after a backoff, in place,
//     so order holds; after Retry.MaxAttempts attempts (or at once for a
//     Permanent error) the event is dead-lettered and the queue (or lane)
//     moves on;
//   - with SubscribeBatch a lane passes the events waiting in it to one
//     batch handler call, and on failure handles them one at a time as
//     above;
//   - queues are unbounded, so Publish never waits for a handler: a
//     subscriber that falls behind costs memory, not publisher latency.
//
// Events still queued when a subscription stops are dropped (and counted in
// the log): nothing survives the process, as with any in-memory state.
type MemoryBus struct {
	log   *slog.Logger
	retry Retry
	wg    sync.WaitGroup

	mu     sync.Mutex
	closed bool
	subs   map[string]*memSubscription
	dead   map[string][]DeadLetter
}

// memSubscription is one subscriber's queue, split into lanes by subject,
// each with its own consumer.
type memSubscription struct {
	name     string
	patterns []string
	handler  Handler
	batch    BatchHandler // nil: one event per call
	maxBatch int
	cancel   context.CancelFunc
	lanes    []*memLane
}

// memLane is the queue of the subjects hashed to one lane.
type memLane struct {
	wake  chan struct{} // holds one pending wake-up for the lane's consumer
	queue []Envelope    // guarded by MemoryBus.mu
}

// MemoryOption configures a MemoryBus.
type MemoryOption func(*MemoryBus)

// WithRetry sets the retry policy; zero fields keep the defaults.
func WithRetry(r Retry) MemoryOption {
	return func(b *MemoryBus) { b.retry = r.withDefaults() }
}

// NewMemoryBus returns an empty bus that logs handler failures to log.
func NewMemoryBus(log *slog.Logger, opts ...MemoryOption) *MemoryBus {
	if log == nil {
		log = logging.Discard()
	}
	b := &MemoryBus{
		log:   log,
		retry: Retry{}.withDefaults(),
		subs:  map[string]*memSubscription{},
		dead:  map[string][]DeadLetter{},
	}
	for _, opt := range opts {
		opt(b)
	}
	return b
}

// Publish queues each event for every subscriber bound to its type. It
// returns without waiting for any handler.
func (b *MemoryBus) Publish(ctx context.Context, events ...Envelope) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, e := range events {
		if err := e.Validate(); err != nil {
			return err
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	for _, s := range b.subs {
		for _, e := range events {
			if s.binds(e.Type) {
				e.Data = bytes.Clone(e.Data) // each subscriber owns its copy
				l := s.lanes[Lane(e.Subject, len(s.lanes))]
				l.queue = append(l.queue, e)
				select {
				case l.wake <- struct{}{}:
				default: // a wake-up is already pending
				}
			}
		}
	}
	return nil
}

// Subscribe starts delivering events matching patterns to h; see
// Subscriber. The name becomes free again once the subscription has
// stopped after ctx is done.
func (b *MemoryBus) Subscribe(ctx context.Context, subscriber string, h Handler, patterns ...string) error {
	return b.SubscribeConcurrent(ctx, subscriber, 1, h, patterns...)
}

// SubscribeConcurrent is Subscribe with up to lanes handler calls at once,
// one lane per subject hash; see ConcurrentSubscriber.
func (b *MemoryBus) SubscribeConcurrent(ctx context.Context, subscriber string, lanes int, h Handler, patterns ...string) error {
	if err := errors.Join(checkSubscription(subscriber, h, patterns), CheckLanes(lanes)); err != nil {
		return err
	}
	return b.subscribe(ctx, &memSubscription{
		name: subscriber, patterns: slices.Clone(patterns), handler: Recover(h),
		maxBatch: 1, lanes: make([]*memLane, lanes),
	})
}

// SubscribeBatch is SubscribeConcurrent handing each lane's waiting events
// to h up to maxBatch at a time; see BatchSubscriber.
func (b *MemoryBus) SubscribeBatch(ctx context.Context, subscriber string, lanes, maxBatch int, h BatchHandler, patterns ...string) error {
	if err := CheckBatchSubscription(subscriber, lanes, maxBatch, h, patterns); err != nil {
		return err
	}
	return b.subscribe(ctx, &memSubscription{
		name: subscriber, patterns: slices.Clone(patterns), handler: Recover(h.One()),
		batch: RecoverBatch(h), maxBatch: maxBatch, lanes: make([]*memLane, lanes),
	})
}

func (b *MemoryBus) subscribe(ctx context.Context, s *memSubscription) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	if _, ok := b.subs[s.name]; ok {
		return fmt.Errorf("subscriber %q is already subscribed", s.name)
	}
	ctx, s.cancel = context.WithCancel(ctx)
	for i := range s.lanes {
		s.lanes[i] = &memLane{wake: make(chan struct{}, 1)}
	}
	b.subs[s.name] = s
	b.wg.Add(1)
	go b.run(ctx, s)
	b.log.DebugContext(ctx, "events subscribed", "subscriber", s.name, "patterns", s.patterns,
		"lanes", len(s.lanes), "max_batch", s.maxBatch)
	return nil
}

// DeadLetters returns what subscriber gave up on, oldest first. They
// outlive the subscription, like a dead-letter queue.
func (b *MemoryBus) DeadLetters(subscriber string) []DeadLetter {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.dead[subscriber])
}

// Close stops every subscription: running handlers see their ctx cancelled
// and Close waits for them to return; queued events are dropped.
func (b *MemoryBus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	for _, s := range b.subs {
		s.cancel()
	}
	b.mu.Unlock()
	b.wg.Wait()
	return nil
}

func (s *memSubscription) binds(typ string) bool {
	return slices.ContainsFunc(s.patterns, func(p string) bool { return matches(p, typ) })
}

// run consumes every lane of s until ctx is done, then frees the name.
func (b *MemoryBus) run(ctx context.Context, s *memSubscription) {
	defer b.wg.Done()
	defer s.cancel()
	var wg sync.WaitGroup
	var interrupted atomic.Int64
	for _, l := range s.lanes {
		wg.Go(func() { interrupted.Add(int64(b.consume(ctx, s, l))) })
	}
	wg.Wait()
	dropped := int(interrupted.Load())
	b.mu.Lock()
	if b.subs[s.name] == s {
		delete(b.subs, s.name)
	}
	for _, l := range s.lanes {
		dropped += len(l.queue)
		l.queue = nil
	}
	b.mu.Unlock()
	if dropped > 0 {
		b.log.WarnContext(ctx, "event subscription stopped with events undelivered",
			"subscriber", s.name, "dropped", dropped)
	}
}

// consume handles l's queue until ctx is done, and returns how many events
// taken from it were not done with then.
func (b *MemoryBus) consume(ctx context.Context, s *memSubscription, l *memLane) int {
	for {
		es, ok := b.next(ctx, l, s.maxBatch)
		if !ok {
			return 0
		}
		if len(es) > 1 {
			err := s.batch(ctx, es)
			if err == nil {
				continue
			}
			if ctx.Err() != nil {
				return len(es)
			}
			b.log.WarnContext(ctx, "event batch failed, handling its events one at a time",
				FailureAttrs(err, "subscriber", s.name, "events", len(es))...)
		}
		for i, e := range es {
			if !b.deliver(ctx, s, e) {
				return len(es) - i
			}
		}
	}
}

// next waits for l's queue to have events and takes up to limit of them from
// its head; false means ctx is done.
func (b *MemoryBus) next(ctx context.Context, l *memLane, limit int) ([]Envelope, bool) {
	for {
		if ctx.Err() != nil {
			return nil, false
		}
		b.mu.Lock()
		if n := min(limit, len(l.queue)); n > 0 {
			es := slices.Clone(l.queue[:n])
			clear(l.queue[:n]) // let the backing array forget them
			l.queue = l.queue[n:]
			b.mu.Unlock()
			return es, true
		}
		b.mu.Unlock()
		select {
		case <-l.wake:
		case <-ctx.Done():
		}
	}
}

// deliver runs the handler until it succeeds or the event is
// dead-lettered, and reports false if the subscription stopped first.
func (b *MemoryBus) deliver(ctx context.Context, s *memSubscription, e Envelope) bool {
	hctx := logging.WithCorrelationID(ctx, e.CorrelationID)
	for attempt := 1; ; attempt++ {
		err := s.handler(hctx, e)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			// Stopping: the failure is the cancellation, not the event's.
			return false
		}
		attrs := FailureAttrs(err, "subscriber", s.name, "event_type", e.Type, "event_id", e.ID, "attempt", attempt)
		if b.retry.GiveUp(attempt, err) {
			b.mu.Lock()
			b.dead[s.name] = append(b.dead[s.name], DeadLetter{Envelope: e, Reason: err.Error(), Attempts: attempt})
			b.mu.Unlock()
			b.log.ErrorContext(hctx, "event dead-lettered", attrs...)
			return true
		}
		wait := b.retry.Backoff(attempt)
		b.log.WarnContext(hctx, "event handler failed, will retry", append(attrs, "retry_in", wait)...)
		if !Sleep(ctx, wait) {
			return false
		}
	}
}

// checkSubscription rejects what no transport could bind.
func checkSubscription(subscriber string, h Handler, patterns []string) error {
	var errs []error
	if !wordPattern.MatchString(subscriber) {
		errs = append(errs, fmt.Errorf("subscriber name %q is not a subgraph name", subscriber))
	}
	if h == nil {
		errs = append(errs, errors.New("nil handler"))
	}
	if len(patterns) == 0 {
		errs = append(errs, errors.New("no type patterns to bind"))
	}
	for _, p := range patterns {
		if err := checkPattern(p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
