package events

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrClosed is returned by a bus that has been closed.
var ErrClosed = errors.New("event bus closed")

// Handler reacts to one event. Returning nil acknowledges it; an error asks
// for another attempt later (wrap it with Permanent when retrying cannot
// help). ctx carries the event's correlation id and is cancelled when the
// subscription stops.
type Handler func(ctx context.Context, e Envelope) error

// Publisher sends events to every subscriber bound to their types.
type Publisher interface {
	// Publish validates every envelope, then sends them in order. If one is
	// invalid none is sent.
	Publish(ctx context.Context, events ...Envelope) error
}

// Subscriber delivers events to a named consumer.
type Subscriber interface {
	// Subscribe binds subscriber (the consuming subgraph) to the given type
	// patterns and delivers every matching event to h, one at a time, in
	// publish order (see ConcurrentSubscriber for several at a time).
	// Patterns are routing-key patterns: words separated by ".", where "*"
	// stands for exactly one word and "#" for zero or more.
	// An event matching several patterns is delivered once. A handler that
	// panics fails like one returning an error (see Recover).
	//
	// Every subscriber has its own queue and so its own copy of each event.
	// Subscribe returns once the bindings are in place; delivery runs in the
	// background until ctx is done or the bus is closed. A subscriber name is
	// subscribed once per bus: dispatch several types to several handlers
	// with a Mux.
	Subscribe(ctx context.Context, subscriber string, h Handler, patterns ...string) error
}

// Bus is a Publisher and a Subscriber over one transport.
type Bus interface {
	Publisher
	Subscriber
	// Close stops every subscription, waits for running handlers to return
	// and releases the transport. Later Publish and Subscribe calls fail
	// with ErrClosed; closing again returns nil.
	Close() error
}

// DeadLetter is an event a subscriber gave up on.
type DeadLetter struct {
	Envelope Envelope
	// Reason is the error of the last attempt.
	Reason string
	// Attempts is how many times the handler was called.
	Attempts int
}

// Defaults of Retry.
const (
	DefaultMaxAttempts    = 5
	DefaultInitialBackoff = 100 * time.Millisecond
	DefaultMaxBackoff     = 5 * time.Second
)

// Retry says how a bus treats a failing handler: the wait after each failed
// attempt doubles from InitialBackoff up to MaxBackoff, and after
// MaxAttempts attempts the event is dead-lettered. Zero fields take the
// defaults, so with Retry{} a poison event holds up its queue for
// 100+200+400+800 ms before the queue moves on.
type Retry struct {
	MaxAttempts    int
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = DefaultMaxAttempts
	}
	if r.InitialBackoff <= 0 {
		r.InitialBackoff = DefaultInitialBackoff
	}
	if r.MaxBackoff <= 0 {
		r.MaxBackoff = DefaultMaxBackoff
	}
	if r.MaxBackoff < r.InitialBackoff {
		r.MaxBackoff = r.InitialBackoff
	}
	return r
}

// Backoff returns how long to wait after failed attempt number attempt
// (counting from 1) before the next one.
func (r Retry) Backoff(attempt int) time.Duration {
	r = r.withDefaults()
	d := r.InitialBackoff
	for i := 1; i < attempt; i++ {
		if d >= r.MaxBackoff/2 {
			return r.MaxBackoff
		}
		d *= 2
	}
	return min(d, r.MaxBackoff)
}

// GiveUp reports whether an event whose attempt number attempt failed with
// err goes to the dead letters instead of being tried again.
func (r Retry) GiveUp(attempt int, err error) bool {
	return errors.Is(err, ErrPermanent) || attempt >= r.withDefaults().MaxAttempts
}

// MaxLanes bounds the concurrency of one subscription: beyond a few dozen
// handler calls at once a subscriber waits on its database pool instead.
const MaxLanes = 64

// ConcurrentSubscriber is a Subscriber that can run several handler calls of
// one subscriber at once, for a subscriber whose handler spends its time
// waiting (one database transaction per event, say) rather than computing.
type ConcurrentSubscriber interface {
	Subscriber
	// SubscribeConcurrent is Subscribe with up to lanes handler calls at
	// once. Each event goes to the lane its Envelope.Subject hashes to
	// (Lane), so the events of one subject are still handled one at a time
	// in publish order, while those of other subjects run alongside: h
	// must be safe for concurrent calls about different subjects. Every
	// delivery is settled on its own: retries, their backoff and
	// dead-lettering hold up only the failing event's lane, that is its
	// subject and the subjects sharing the lane. Close and the end of ctx
	// wait for every running call. lanes 1 is Subscribe.
	SubscribeConcurrent(ctx context.Context, subscriber string, lanes int, h Handler, patterns ...string) error
}

// SubscribeConcurrent subscribes h on s with up to lanes handler calls at
// once when s is a ConcurrentSubscriber (both buses of this module are),
// and one at a time otherwise: the order guarantees hold either way, only
// the throughput differs.
func SubscribeConcurrent(ctx context.Context, s Subscriber, subscriber string, lanes int, h Handler, patterns ...string) error {
	if cs, ok := s.(ConcurrentSubscriber); ok {
		return cs.SubscribeConcurrent(ctx, subscriber, lanes, h, patterns...)
	}
	if err := CheckLanes(lanes); err != nil {
		return err
	}
	return s.Subscribe(ctx, subscriber, h, patterns...)
}

// CheckLanes rejects a concurrency SubscribeConcurrent cannot take.
func CheckLanes(lanes int) error {
	if lanes < 1 || lanes > MaxLanes {
		return fmt.Errorf("%d lanes: must be 1..%d", lanes, MaxLanes)
	}
	return nil
}

// Lane is the lane, in [0, lanes), of the events about subject: the same on
// every bus and in every process, so a subject's events always share one.
func Lane(subject string, lanes int) int {
	if lanes <= 1 {
		return 0
	}
	// FNV-1a: cheap, allocation-free and spreads ids well.
	h := uint32(2166136261)
	for i := 0; i < len(subject); i++ {
		h ^= uint32(subject[i])
		h *= 16777619
	}
	return int(h % uint32(lanes))
}
