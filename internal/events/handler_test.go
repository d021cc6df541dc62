package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/events"
)

func TestPermanent(t *testing.T) {
	cause := errors.New("unknown product")
	err := events.Permanent(cause)
	if !errors.Is(err, events.ErrPermanent) || !errors.Is(err, cause) {
		t.Errorf("Permanent(%v) = %v: loses ErrPermanent or the cause", cause, err)
	}
	if errors.Is(cause, events.ErrPermanent) {
		t.Error("a plain error counts as permanent")
	}
}

func TestRecover(t *testing.T) {
	h := events.Recover(func(context.Context, events.Envelope) error { panic("boom") })
	err := h(t.Context(), events.Envelope{})
	pe, ok := errors.AsType[*events.PanicError](err)
	if !ok {
		t.Fatalf("Recover: err = %v, want a *PanicError", err)
	}
	if pe.Value != "boom" || !strings.Contains(err.Error(), "panicked: boom") || len(pe.Stack) == 0 {
		t.Errorf("PanicError = %q, value %v, %d bytes of stack", err, pe.Value, len(pe.Stack))
	}

	want := errors.New("plain")
	if err := events.Recover(func(context.Context, events.Envelope) error { return want })(t.Context(), events.Envelope{}); err != want {
		t.Errorf("Recover changed a returned error: %v", err)
	}
}

func TestTyped(t *testing.T) {
	var got events.CustomerDeletedData
	h := events.Typed(func(_ context.Context, _ events.Envelope, d events.CustomerDeletedData) error {
		got = d
		return nil
	})
	e := mustNew(t, t.Context(), events.CustomerDeleted, "c-1", events.CustomerDeletedData{CustomerID: "c-1"})
	if err := h(t.Context(), e); err != nil || got.CustomerID != "c-1" {
		t.Errorf("Typed handler: %v, got %+v", err, got)
	}

	e.Data = json.RawMessage(`["not", "an", "object"]`)
	if err := h(t.Context(), e); !errors.Is(err, events.ErrPermanent) {
		t.Errorf("undecodable data: err = %v, want a permanent failure", err)
	}
}

func TestMux(t *testing.T) {
	var handled []string
	record := func(_ context.Context, e events.Envelope) error {
		handled = append(handled, e.Type)
		return nil
	}
	fail := errors.New("store down")
	mux := events.Mux{
		events.OrderPlaced:   record,
		events.OrderAccepted: func(context.Context, events.Envelope) error { return fail },
		events.OrderRejected: record,
	}
	if got, want := mux.Types(), []string{events.OrderAccepted, events.OrderPlaced, events.OrderRejected}; !slices.Equal(got, want) {
		t.Errorf("Types = %v, want %v", got, want)
	}
	for _, typ := range []string{events.OrderRejected, events.OrderPlaced} {
		if err := mux.Handle(t.Context(), mustNew(t, t.Context(), typ, "o-1", nil)); err != nil {
			t.Errorf("Handle(%s): %v", typ, err)
		}
	}
	if !slices.Equal(handled, []string{events.OrderRejected, events.OrderPlaced}) {
		t.Errorf("handled %v", handled)
	}
	if err := mux.Handle(t.Context(), mustNew(t, t.Context(), events.OrderAccepted, "o-1", nil)); err != fail {
		t.Errorf("handler error not passed through: %v", err)
	}
	err := mux.Handle(t.Context(), mustNew(t, t.Context(), events.OrderCancelled, "o-1", nil))
	if !errors.Is(err, events.ErrPermanent) {
		t.Errorf("type without handler: err = %v, want a permanent failure", err)
	}
}

func TestRetryBackoff(t *testing.T) {
	cases := []struct {
		name  string
		retry events.Retry
		want  []time.Duration // after attempts 1, 2, ...
	}{
		{"defaults", events.Retry{}, []time.Duration{
			100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
			1600 * time.Millisecond, 3200 * time.Millisecond, 5 * time.Second, 5 * time.Second,
		}},
		{"capped", events.Retry{InitialBackoff: time.Second, MaxBackoff: 3 * time.Second}, []time.Duration{
			time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second,
		}},
		{"max below initial", events.Retry{InitialBackoff: time.Second, MaxBackoff: time.Millisecond}, []time.Duration{
			time.Second, time.Second,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for i, want := range tc.want {
				if got := tc.retry.Backoff(i + 1); got != want {
					t.Errorf("Backoff(%d) = %v, want %v", i+1, got, want)
				}
			}
		})
	}
	if got := (events.Retry{MaxBackoff: time.Hour}).Backoff(1000); got != time.Hour {
		t.Errorf("Backoff(1000) = %v, want the cap", got)
	}
}

func TestRetryGiveUp(t *testing.T) {
	transient := errors.New("timeout")
	permanent := events.Permanent(errors.New("bad data"))
	cases := []struct {
		retry   events.Retry
		attempt int
		err     error
		want    bool
	}{
		{events.Retry{}, 1, transient, false},
		{events.Retry{}, events.DefaultMaxAttempts - 1, transient, false},
		{events.Retry{}, events.DefaultMaxAttempts, transient, true},
		{events.Retry{}, 1, permanent, true},
		{events.Retry{MaxAttempts: 2}, 1, transient, false},
		{events.Retry{MaxAttempts: 2}, 2, transient, true},
		{events.Retry{MaxAttempts: 1}, 1, transient, true},
	}
	for _, tc := range cases {
		if got := tc.retry.GiveUp(tc.attempt, tc.err); got != tc.want {
			t.Errorf("%+v.GiveUp(%d, %v) = %v, want %v", tc.retry, tc.attempt, tc.err, got, tc.want)
		}
	}
}
