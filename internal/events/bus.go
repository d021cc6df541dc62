package events

import (
	"context"
	"errors"
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
	// publish order. Patterns are routing-key patterns: words separated by
	// ".", where "*" stands for exactly one word and "#" for zero or more.
	// An event matching several patterns is delivered once.
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
