package events

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
)

// ErrPermanent marks a handler error that another attempt cannot fix, such
// as data that does not decode: the bus dead-letters the event at once.
var ErrPermanent = errors.New("permanent failure")

// Permanent wraps err so that errors.Is(err, ErrPermanent) holds.
func Permanent(err error) error {
	return fmt.Errorf("%w: %w", ErrPermanent, err)
}

// PanicError is the failure of a handler that panicked. A bus counts it
// like any other error; the stack is kept for the logs.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("handler panicked: %v", e.Value) }

// FailureAttrs is attrs followed by the handler's error and, when the
// handler panicked, its stack: what a bus logs about a failed call.
func FailureAttrs(err error, attrs ...any) []any {
	attrs = append(attrs, "err", err)
	if pe, ok := errors.AsType[*PanicError](err); ok {
		attrs = append(attrs, "stack", string(pe.Stack))
	}
	return attrs
}

// Recover returns a handler that turns a panic in h into a *PanicError, so
// that one bad event cannot take the consumer down.
func Recover(h Handler) Handler {
	return func(ctx context.Context, e Envelope) (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = &PanicError{Value: v, Stack: debug.Stack()}
			}
		}()
		return h(ctx, e)
	}
}

// Typed adapts a handler of decoded data to a Handler. Data that does not
// decode as a T is a permanent failure.
func Typed[T any](fn func(ctx context.Context, e Envelope, data T) error) Handler {
	return func(ctx context.Context, e Envelope) error {
		data, err := Decode[T](e)
		if err != nil {
			return Permanent(err)
		}
		return fn(ctx, e, data)
	}
}

// Mux routes each event to the handler registered for its exact type, so a
// subgraph subscribes once with all its handlers:
//
//	mux := events.Mux{
//		events.OrderPlaced: events.Typed(c.NotifyVendorOnOrderPlaced),
//	}
//	err := bus.Subscribe(ctx, "vendor", mux.Handle, mux.Types()...)
type Mux map[string]Handler

// Types returns the registered types, sorted, to bind with Subscribe.
func (m Mux) Types() []string {
	types := make([]string, 0, len(m))
	for t := range m {
		types = append(types, t)
	}
	slices.Sort(types)
	return types
}

// Handle calls the handler for e's type. An event without one is a
// permanent failure: it can only come from a binding the Mux does not cover.
func (m Mux) Handle(ctx context.Context, e Envelope) error {
	h, ok := m[e.Type]
	if !ok || h == nil {
		return Permanent(fmt.Errorf("no handler for %s", e.Type))
	}
	return h(ctx, e)
}
