package events

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
)

// BatchHandler reacts to several events of one lane at once, in publish
// order, for a subscriber whose cost is per call rather than per event
// (one database transaction for the lot). It must be all-or-nothing: nil
// means every event took effect, an error that none did, since the bus
// then hands the same events, one at a time, to the single-event path
// (the handler called with a one-event slice), with its retries and
// dead letters. An error is therefore never retried as a batch; Permanent
// has no special meaning here.
type BatchHandler func(ctx context.Context, es []Envelope) error

// MaxBatch bounds maxBatch of SubscribeBatch: beyond a few hundred events a
// transaction holds its locks longer than it saves in commits.
const MaxBatch = 1000

// BatchSubscriber is a ConcurrentSubscriber that can hand a lane's waiting
// events to one handler call.
type BatchSubscriber interface {
	ConcurrentSubscriber
	// SubscribeBatch is SubscribeConcurrent where each lane, when it finds
	// several events waiting, passes up to maxBatch of them (never waiting
	// for more to arrive) to h in one call, and acknowledges them all when
	// h returns nil. When h fails or panics, the lane handles the same
	// events one at a time with h called on a one-event slice, retried and
	// dead-lettered like any Handler, so a poison event is dead-lettered
	// alone and the others take effect once. A lane with a single event
	// waiting takes that path directly. Events of one subject are still
	// handled in publish order, one call at a time.
	SubscribeBatch(ctx context.Context, subscriber string, lanes, maxBatch int, h BatchHandler, patterns ...string) error
}

// SubscribeBatch subscribes h on s with batches when s is a
// BatchSubscriber (both buses of this module are), and otherwise one event
// per call on up to lanes lanes: the effects are the same either way, only
// the throughput differs.
func SubscribeBatch(ctx context.Context, s Subscriber, subscriber string, lanes, maxBatch int, h BatchHandler, patterns ...string) error {
	if bs, ok := s.(BatchSubscriber); ok {
		return bs.SubscribeBatch(ctx, subscriber, lanes, maxBatch, h, patterns...)
	}
	if err := CheckBatchSubscription(subscriber, lanes, maxBatch, h, patterns); err != nil {
		return err
	}
	return SubscribeConcurrent(ctx, s, subscriber, lanes, h.One(), patterns...)
}

// CheckBatchSubscription reports every problem with the arguments of
// SubscribeBatch in one error.
func CheckBatchSubscription(subscriber string, lanes, maxBatch int, h BatchHandler, patterns []string) error {
	var single Handler
	if h != nil {
		single = h.One()
	}
	var errs []error
	errs = append(errs, checkSubscription(subscriber, single, patterns), CheckLanes(lanes))
	if maxBatch < 1 || maxBatch > MaxBatch {
		errs = append(errs, fmt.Errorf("batches of %d events: must be 1..%d", maxBatch, MaxBatch))
	}
	return errors.Join(errs...)
}

// One is h as a single-event Handler: the path of a lane's lone event and
// of a failed batch's events.
func (h BatchHandler) One() Handler {
	return func(ctx context.Context, e Envelope) error {
		return h(ctx, []Envelope{e})
	}
}

// RecoverBatch returns a batch handler that turns a panic in h into a
// *PanicError, like Recover.
func RecoverBatch(h BatchHandler) BatchHandler {
	return func(ctx context.Context, es []Envelope) (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = &PanicError{Value: v, Stack: debug.Stack()}
			}
		}()
		return h(ctx, es)
	}
}
