// Package eventstest holds the conformance suite that every events.Bus
// implementation passes, so the in-memory bus of dev mode and the RabbitMQ
// bus of services mode behave the same for the handlers above them.
package eventstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
)

// Options describe the buses under test.
type Options[B events.Bus] struct {
	// MaxAttempts is the attempt limit of the buses newBus builds; 0 means
	// events.DefaultMaxAttempts. Give them small backoffs: the suite waits
	// through every retry.
	MaxAttempts int
	// DeadLetters returns what bus dead-lettered for subscriber, eventually
	// (the suite polls it). Without it the suite still checks that an
	// exhausted event stops being retried and lets the queue move on, but
	// not what was dead-lettered.
	DeadLetters func(bus B, subscriber string) []events.DeadLetter
	// Timeout bounds every wait for a delivery; 0 means 5s.
	Timeout time.Duration
}

// RunBusSuite runs the conformance tests against buses from newBus, which
// must also be events.BatchSubscribers. Each
// call to newBus must return a bus sharing no events, bindings or dead
// letters with any other, since the tests run in parallel; the suite closes
// every bus it gets.
func RunBusSuite[B events.Bus](t *testing.T, newBus func(t *testing.T) B, opts Options[B]) {
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = events.DefaultMaxAttempts
	}
	if opts.MaxAttempts < 2 {
		t.Fatalf("the suite needs MaxAttempts >= 2 to tell a retry from a dead letter")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	s := suite[B]{newBus: newBus, opts: opts}
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"DeliversToEveryBoundSubscriber", s.deliversToEveryBoundSubscriber},
		{"SkipsUnboundTypes", s.skipsUnboundTypes},
		{"WildcardBindings", s.wildcardBindings},
		{"KeepsOrderPerSubscriber", s.keepsOrderPerSubscriber},
		{"PublishDoesNotWaitForHandlers", s.publishDoesNotWaitForHandlers},
		{"PublishRejectsInvalidEnvelopes", s.publishRejectsInvalidEnvelopes},
		{"SubscribeRejectsBadArguments", s.subscribeRejectsBadArguments},
		{"RetriesUntilSuccess", s.retriesUntilSuccess},
		{"DeadLettersAfterMaxAttempts", s.deadLettersAfterMaxAttempts},
		{"PermanentErrorIsNotRetried", s.permanentErrorIsNotRetried},
		{"PanicCountsAsFailure", s.panicCountsAsFailure},
		{"PoisonEventDoesNotBlockQueue", s.poisonEventDoesNotBlockQueue},
		{"CorrelationIDInHandlerContext", s.correlationIDInHandlerContext},
		{"SubscriptionStopsWhenContextDone", s.subscriptionStopsWhenContextDone},
		{"CloseCancelsRunningHandlers", s.closeCancelsRunningHandlers},
		{"PublishAfterCloseFails", s.publishAfterCloseFails},
		{"ConcurrentKeepsOrderPerSubject", s.concurrentKeepsOrderPerSubject},
		{"ConcurrentSubjectsOverlap", s.concurrentSubjectsOverlap},
		{"ConcurrentPoisonEventHoldsOnlyItsLane", s.concurrentPoisonEventHoldsOnlyItsLane},
		{"ConcurrentCloseWaitsForEveryLane", s.concurrentCloseWaitsForEveryLane},
		{"ConcurrentRejectsBadLanes", s.concurrentRejectsBadLanes},
		{"BatchKeepsOrderPerSubject", s.batchKeepsOrderPerSubject},
		{"BatchFailureFallsBackToSingleEvents", s.batchFailureFallsBackToSingleEvents},
		{"BatchRejectsBadArguments", s.batchRejectsBadArguments},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t)
		})
	}
}

// Event types of the suite; the first word is the source.
const (
	itemCreated   = "suite.item.created.v1"
	itemCreatedV2 = "suite.item.created.v2"
	itemDeleted   = "suite.item.deleted.v1"
	otherCreated  = "suite.other.created.v1"
	auditCreated  = "audit.item.created.v1"
	barrier       = "suite.barrier.reached.v1"
)

type suite[B events.Bus] struct {
	newBus func(t *testing.T) B
	opts   Options[B]
}

func (s suite[B]) bus(t *testing.T) B {
	t.Helper()
	b := s.newBus(t)
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

// call is one handler invocation as the handler saw it.
type call struct {
	env           events.Envelope
	correlationID string
}

// recorder is a handler that reports every call on a channel, then answers
// with answer (nil answers success). attempt counts calls per event id.
type recorder struct {
	calls  chan call
	answer func(ctx context.Context, e events.Envelope, attempt int) error

	mu       sync.Mutex
	attempts map[string]int
}

func newRecorder(answer func(ctx context.Context, e events.Envelope, attempt int) error) *recorder {
	return &recorder{calls: make(chan call, 4096), answer: answer, attempts: map[string]int{}}
}

func (r *recorder) handle(ctx context.Context, e events.Envelope) error {
	r.mu.Lock()
	r.attempts[e.ID]++
	attempt := r.attempts[e.ID]
	r.mu.Unlock()
	select {
	case r.calls <- call{env: e, correlationID: logging.CorrelationID(ctx)}:
	case <-ctx.Done():
		return ctx.Err()
	}
	if r.answer == nil {
		return nil
	}
	return r.answer(ctx, e, attempt)
}

// next waits for the recorder's next call.
func (s suite[B]) next(t *testing.T, r *recorder) call {
	t.Helper()
	select {
	case c := <-r.calls:
		return c
	case <-time.After(s.opts.Timeout):
		t.Fatalf("no handler call within %v", s.opts.Timeout)
		return call{}
	}
}

// expectIDs waits for calls carrying exactly the given event ids, in order.
func (s suite[B]) expectIDs(t *testing.T, r *recorder, ids ...string) []call {
	t.Helper()
	calls := make([]call, 0, len(ids))
	for i, id := range ids {
		c := s.next(t, r)
		if c.env.ID != id {
			t.Fatalf("call %d: got event %s (%s), want %s", i, c.env.ID, c.env.Subject, id)
		}
		calls = append(calls, c)
	}
	return calls
}

func (s suite[B]) subscribe(t *testing.T, bus B, name string, h events.Handler, patterns ...string) {
	t.Helper()
	if err := bus.Subscribe(t.Context(), name, h, patterns...); err != nil {
		t.Fatalf("Subscribe(%s, %v): %v", name, patterns, err)
	}
}

func publish(t *testing.T, bus events.Publisher, es ...events.Envelope) {
	t.Helper()
	if err := bus.Publish(t.Context(), es...); err != nil {
		t.Fatalf("Publish: %v", err)
	}
}

type payload struct {
	Subject string `json:"subject"`
	Note    string `json:"note"`
}

// newEvent returns a valid envelope of typ about subject.
func newEvent(t *testing.T, ctx context.Context, typ, subject string) events.Envelope {
	t.Helper()
	source, _, _ := strings.Cut(typ, ".")
	e, err := events.New(ctx, source, typ, subject, payload{Subject: subject, Note: "ünïcode & <html>"})
	if err != nil {
		t.Fatalf("events.New: %v", err)
	}
	return e
}

func newEvents(t *testing.T, typ string, n int) ([]events.Envelope, []string) {
	t.Helper()
	es := make([]events.Envelope, n)
	ids := make([]string, n)
	for i := range es {
		es[i] = newEvent(t, t.Context(), typ, fmt.Sprintf("item-%d", i))
		ids[i] = es[i].ID
	}
	return es, ids
}

func repeat(id string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = id
	}
	return ids
}

// sameEnvelope compares what a handler got with what was published; data
// is compared as JSON values, since a transport may re-encode it.
func sameEnvelope(t *testing.T, got, want events.Envelope) {
	t.Helper()
	if got.ID != want.ID || got.Type != want.Type || got.Source != want.Source ||
		got.Subject != want.Subject || got.CorrelationID != want.CorrelationID || !got.Time.Equal(want.Time) {
		t.Errorf("delivered envelope\n%+v\nwant\n%+v", got, want)
	}
	var g, w any
	if err := json.Unmarshal(got.Data, &g); err != nil {
		t.Fatalf("delivered data: %v", err)
	}
	if err := json.Unmarshal(want.Data, &w); err != nil {
		t.Fatalf("published data: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("delivered data %s, want %s", got.Data, want.Data)
	}
}

// deadLetters polls the DeadLetters option until it returns n letters.
func (s suite[B]) deadLetters(t *testing.T, bus B, subscriber string, n int) []events.DeadLetter {
	t.Helper()
	deadline := time.Now().Add(s.opts.Timeout)
	for {
		dls := s.opts.DeadLetters(bus, subscriber)
		if len(dls) >= n || time.Now().After(deadline) {
			if len(dls) != n {
				t.Fatalf("dead letters of %s: got %d, want %d: %+v", subscriber, len(dls), n, dls)
			}
			return dls
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s suite[B]) checkDeadLetter(t *testing.T, dl events.DeadLetter, want events.Envelope, attempts int, reason string) {
	t.Helper()
	sameEnvelope(t, dl.Envelope, want)
	if dl.Attempts != attempts {
		t.Errorf("dead letter attempts = %d, want %d", dl.Attempts, attempts)
	}
	if !strings.Contains(dl.Reason, reason) {
		t.Errorf("dead letter reason %q does not contain %q", dl.Reason, reason)
	}
}

func (s suite[B]) deliversToEveryBoundSubscriber(t *testing.T) {
	bus := s.bus(t)
	alpha, beta, gamma := newRecorder(nil), newRecorder(nil), newRecorder(nil)
	s.subscribe(t, bus, "alpha", alpha.handle, itemCreated)
	s.subscribe(t, bus, "beta", beta.handle, itemCreated)
	s.subscribe(t, bus, "gamma", gamma.handle, itemDeleted)

	created := newEvent(t, t.Context(), itemCreated, "item-1")
	deleted := newEvent(t, t.Context(), itemDeleted, "item-1")
	publish(t, bus, created)
	publish(t, bus, deleted)

	for _, r := range []*recorder{alpha, beta} {
		sameEnvelope(t, s.next(t, r).env, created)
	}
	// gamma's first event is the deleted one: created was never queued.
	sameEnvelope(t, s.next(t, gamma).env, deleted)
}

func (s suite[B]) skipsUnboundTypes(t *testing.T) {
	bus := s.bus(t)
	r := newRecorder(nil)
	s.subscribe(t, bus, "alpha", r.handle, itemCreated)
	var unbound []events.Envelope
	for _, typ := range []string{itemCreatedV2, itemDeleted, otherCreated, auditCreated} {
		unbound = append(unbound, newEvent(t, t.Context(), typ, "item-1"))
	}
	bound := newEvent(t, t.Context(), itemCreated, "item-1")
	publish(t, bus, append(unbound, bound)...)
	// Delivery is in order, so any unbound event would come first.
	s.expectIDs(t, r, bound.ID)
}

func (s suite[B]) wildcardBindings(t *testing.T) {
	bus := s.bus(t)
	all := []string{itemCreated, itemCreatedV2, itemDeleted, otherCreated, auditCreated}
	cases := []struct {
		patterns []string
		want     []string
	}{
		{[]string{"suite.item.*.v1"}, []string{itemCreated, itemDeleted}},
		{[]string{"suite.#"}, []string{itemCreated, itemCreatedV2, itemDeleted, otherCreated}},
		{[]string{"#"}, all},
		{[]string{"#.v2"}, []string{itemCreatedV2}},
		{[]string{"*.item.created.*"}, []string{itemCreated, itemCreatedV2, auditCreated}},
		{[]string{"suite.*.v1"}, nil},
		{[]string{"suite.item.created.v1.#"}, []string{itemCreated}},
		{[]string{"#.created.#"}, []string{itemCreated, itemCreatedV2, otherCreated, auditCreated}},
		// Overlapping bindings deliver each event once.
		{[]string{"suite.item.#", "#.v1", itemCreated}, all},
	}
	recorders := make([]*recorder, len(cases))
	for i, tc := range cases {
		recorders[i] = newRecorder(nil)
		s.subscribe(t, bus, fmt.Sprintf("w%d", i), recorders[i].handle, append(tc.patterns, barrier)...)
	}
	for _, typ := range all {
		publish(t, bus, newEvent(t, t.Context(), typ, "item-1"))
	}
	publish(t, bus, newEvent(t, t.Context(), barrier, "end"))

	for i, tc := range cases {
		var got []string
		for {
			c := s.next(t, recorders[i])
			if c.env.Type == barrier {
				break
			}
			got = append(got, c.env.Type)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("bound to %v: got %v, want %v", tc.patterns, got, tc.want)
		}
	}
}

func (s suite[B]) keepsOrderPerSubscriber(t *testing.T) {
	bus := s.bus(t)
	alpha, beta := newRecorder(nil), newRecorder(nil)
	s.subscribe(t, bus, "alpha", alpha.handle, "suite.#")
	s.subscribe(t, bus, "beta", beta.handle, itemCreated, itemDeleted)

	es := make([]events.Envelope, 0, 100)
	for i := range 100 {
		typ := itemCreated
		if i%3 == 0 {
			typ = itemDeleted
		}
		es = append(es, newEvent(t, t.Context(), typ, fmt.Sprintf("item-%d", i)))
	}
	// Batches of 1, 2, 3, ... events, as an outbox relay would send them.
	for i, size := 0, 1; i < len(es); i, size = i+size, size+1 {
		publish(t, bus, es[i:min(i+size, len(es))]...)
	}
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	s.expectIDs(t, alpha, ids...)
	s.expectIDs(t, beta, ids...)
}

func (s suite[B]) publishDoesNotWaitForHandlers(t *testing.T) {
	bus := s.bus(t)
	release := make(chan struct{})
	r := newRecorder(func(ctx context.Context, _ events.Envelope, _ int) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	s.subscribe(t, bus, "alpha", r.handle, itemCreated)
	es, ids := newEvents(t, itemCreated, 200)

	published := make(chan error, 1)
	go func() {
		for _, e := range es {
			if err := bus.Publish(t.Context(), e); err != nil {
				published <- err
				return
			}
		}
		published <- nil
	}()
	s.returned(t, published, "Publish", "Publish blocked behind a handler that has not returned")
	close(release)
	s.expectIDs(t, r, ids...)
}

func (s suite[B]) publishRejectsInvalidEnvelopes(t *testing.T) {
	bus := s.bus(t)
	r := newRecorder(nil)
	s.subscribe(t, bus, "alpha", r.handle, "#")

	valid := newEvent(t, t.Context(), itemCreated, "item-1")
	bad := newEvent(t, t.Context(), itemCreated, "item-2")
	bad.Type = "suite.item.Created"
	if err := bus.Publish(t.Context(), valid, bad); !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("Publish with an invalid envelope: err = %v, want ErrInvalid", err)
	}
	after := newEvent(t, t.Context(), itemCreated, "item-3")
	publish(t, bus, after)
	// Nothing of the rejected batch went out, not even its valid part.
	s.expectIDs(t, r, after.ID)
}

func (s suite[B]) subscribeRejectsBadArguments(t *testing.T) {
	bus := s.bus(t)
	r := newRecorder(nil)
	cases := []struct {
		name     string
		sub      string
		h        events.Handler
		patterns []string
	}{
		{"empty subscriber", "", r.handle, []string{itemCreated}},
		{"subscriber with spaces", "my shop", r.handle, []string{itemCreated}},
		{"nil handler", "alpha", nil, []string{itemCreated}},
		{"no patterns", "alpha", r.handle, nil},
		{"empty word", "alpha", r.handle, []string{"suite..created.v1"}},
		{"upper case", "alpha", r.handle, []string{"suite.Item.created.v1"}},
		{"partial wildcard", "alpha", r.handle, []string{"suite.item.creat*.v1"}},
	}
	for _, tc := range cases {
		if err := bus.Subscribe(t.Context(), tc.sub, tc.h, tc.patterns...); err == nil {
			t.Errorf("%s: Subscribe succeeded, want an error", tc.name)
		}
	}
	// The failed calls bound nothing and left the name free.
	s.subscribe(t, bus, "alpha", r.handle, itemCreated)
	e := newEvent(t, t.Context(), itemCreated, "item-1")
	publish(t, bus, e)
	s.expectIDs(t, r, e.ID)
}

func (s suite[B]) retriesUntilSuccess(t *testing.T) {
	bus := s.bus(t)
	limit := s.opts.MaxAttempts
	flaky := newEvent(t, t.Context(), itemCreated, "flaky")
	r := newRecorder(func(_ context.Context, e events.Envelope, attempt int) error {
		if e.ID == flaky.ID && attempt < limit {
			return errors.New("transient failure")
		}
		return nil
	})
	s.subscribe(t, bus, "alpha", r.handle, itemCreated)
	next := newEvent(t, t.Context(), itemCreated, "next")
	publish(t, bus, flaky, next)

	// Success on the last allowed attempt, then the queue goes on.
	s.expectIDs(t, r, append(repeat(flaky.ID, limit), next.ID)...)
	if s.opts.DeadLetters != nil {
		s.deadLetters(t, bus, "alpha", 0)
	}
}

func (s suite[B]) deadLettersAfterMaxAttempts(t *testing.T) {
	bus := s.bus(t)
	limit := s.opts.MaxAttempts
	poison := newEvent(t, t.Context(), itemCreated, "poison")
	r := newRecorder(func(_ context.Context, e events.Envelope, _ int) error {
		if e.ID == poison.ID {
			return errors.New("always fails")
		}
		return nil
	})
	s.subscribe(t, bus, "alpha", r.handle, itemCreated)
	next := newEvent(t, t.Context(), itemCreated, "next")
	publish(t, bus, poison, next)

	// Exactly max attempts, then the next event: the poison one is given up.
	s.expectIDs(t, r, append(repeat(poison.ID, limit), next.ID)...)
	if s.opts.DeadLetters != nil {
		dls := s.deadLetters(t, bus, "alpha", 1)
		s.checkDeadLetter(t, dls[0], poison, limit, "always fails")
	}
}

func (s suite[B]) permanentErrorIsNotRetried(t *testing.T) {
	bus := s.bus(t)
	bad := newEvent(t, t.Context(), itemCreated, "bad")
	r := newRecorder(func(_ context.Context, e events.Envelope, _ int) error {
		if e.ID == bad.ID {
			return fmt.Errorf("handle: %w", events.Permanent(errors.New("unknown product")))
		}
		return nil
	})
	s.subscribe(t, bus, "alpha", r.handle, itemCreated)
	next := newEvent(t, t.Context(), itemCreated, "next")
	publish(t, bus, bad, next)

	s.expectIDs(t, r, bad.ID, next.ID)
	if s.opts.DeadLetters != nil {
		dls := s.deadLetters(t, bus, "alpha", 1)
		s.checkDeadLetter(t, dls[0], bad, 1, "unknown product")
	}
}

func (s suite[B]) panicCountsAsFailure(t *testing.T) {
	bus := s.bus(t)
	limit := s.opts.MaxAttempts
	once := newEvent(t, t.Context(), itemCreated, "panics-once")
	always := newEvent(t, t.Context(), itemCreated, "panics-always")
	r := newRecorder(func(_ context.Context, e events.Envelope, attempt int) error {
		if e.ID == always.ID || (e.ID == once.ID && attempt == 1) {
			panic("boom " + e.Subject)
		}
		return nil
	})
	s.subscribe(t, bus, "alpha", r.handle, itemCreated)
	next := newEvent(t, t.Context(), itemCreated, "next")
	publish(t, bus, once, always, next)

	want := append([]string{once.ID, once.ID}, repeat(always.ID, limit)...)
	s.expectIDs(t, r, append(want, next.ID)...)
	if s.opts.DeadLetters != nil {
		dls := s.deadLetters(t, bus, "alpha", 1)
		s.checkDeadLetter(t, dls[0], always, limit, "boom panics-always")
		if !strings.Contains(dls[0].Reason, "panic") {
			t.Errorf("dead letter reason %q does not say it panicked", dls[0].Reason)
		}
	}
}

func (s suite[B]) poisonEventDoesNotBlockQueue(t *testing.T) {
	bus := s.bus(t)
	limit := s.opts.MaxAttempts
	es, ids := newEvents(t, itemCreated, 21)
	poison := es[0]
	failing := newRecorder(func(_ context.Context, e events.Envelope, _ int) error {
		if e.ID == poison.ID {
			return errors.New("poison")
		}
		return nil
	})
	healthy := newRecorder(nil)
	s.subscribe(t, bus, "alpha", failing.handle, itemCreated)
	s.subscribe(t, bus, "beta", healthy.handle, itemCreated)
	publish(t, bus, es...)

	// The failing subscriber gets past the poison event and handles the
	// rest in order; the other subscriber never sees its failures.
	s.expectIDs(t, failing, append(repeat(poison.ID, limit), ids[1:]...)...)
	s.expectIDs(t, healthy, ids...)
}

func (s suite[B]) correlationIDInHandlerContext(t *testing.T) {
	bus := s.bus(t)
	chained := newEvent(t, logging.WithCorrelationID(t.Context(), "corr-suite-1"), itemCreated, "item-1")
	fresh := newEvent(t, t.Context(), itemCreated, "item-2")
	r := newRecorder(func(_ context.Context, e events.Envelope, attempt int) error {
		if e.ID == chained.ID && attempt == 1 { // so the retry's ctx is checked too
			return errors.New("once")
		}
		return nil
	})
	s.subscribe(t, bus, "alpha", r.handle, itemCreated)
	publish(t, bus, chained, fresh)

	calls := s.expectIDs(t, r, chained.ID, chained.ID, fresh.ID)
	for i, c := range calls {
		if c.correlationID != c.env.CorrelationID {
			t.Errorf("call %d: handler ctx correlation id %q, envelope has %q", i, c.correlationID, c.env.CorrelationID)
		}
	}
	if got := calls[0].correlationID; got != "corr-suite-1" {
		t.Errorf("correlation id from the publisher's ctx: got %q, want corr-suite-1", got)
	}
	if got := calls[2].correlationID; got == "" || got == "corr-suite-1" {
		t.Errorf("event without a correlation id in ctx: got %q, want a new one", got)
	}
}

// waitsForCancel returns a recorder whose handler blocks until its ctx is
// done, and a channel closed when that happens.
func waitsForCancel() (<-chan struct{}, *recorder) {
	cancelled := make(chan struct{})
	var once sync.Once
	return cancelled, newRecorder(func(ctx context.Context, _ events.Envelope, _ int) error {
		<-ctx.Done()
		once.Do(func() { close(cancelled) })
		return ctx.Err()
	})
}

func (s suite[B]) subscriptionStopsWhenContextDone(t *testing.T) {
	bus := s.bus(t)
	cancelled, r := waitsForCancel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if err := bus.Subscribe(ctx, "alpha", r.handle, itemCreated); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	e := newEvent(t, t.Context(), itemCreated, "item-1")
	publish(t, bus, e)
	s.expectIDs(t, r, e.ID)

	cancel()
	select {
	case <-cancelled:
	case <-time.After(s.opts.Timeout):
		t.Fatalf("handler ctx not cancelled after the subscription's ctx was")
	}
}

func (s suite[B]) closeCancelsRunningHandlers(t *testing.T) {
	bus := s.bus(t)
	cancelled, r := waitsForCancel()
	s.subscribe(t, bus, "alpha", r.handle, itemCreated)
	e := newEvent(t, t.Context(), itemCreated, "item-1")
	publish(t, bus, e)
	s.expectIDs(t, r, e.ID)

	s.closeWhileHandling(t, bus)
	// Close waits for running handlers, so this one has seen its ctx end.
	select {
	case <-cancelled:
	default:
		t.Fatalf("Close returned before the running handler did")
	}
}

func (s suite[B]) publishAfterCloseFails(t *testing.T) {
	bus := s.bus(t)
	if err := bus.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	e := newEvent(t, t.Context(), itemCreated, "item-1")
	if err := bus.Publish(t.Context(), e); !errors.Is(err, events.ErrClosed) {
		t.Errorf("Publish after Close: err = %v, want ErrClosed", err)
	}
	r := newRecorder(nil)
	if err := bus.Subscribe(t.Context(), "alpha", r.handle, itemCreated); !errors.Is(err, events.ErrClosed) {
		t.Errorf("Subscribe after Close: err = %v, want ErrClosed", err)
	}
	if err := bus.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// subscribeConcurrent subscribes with lanes handler calls at once.
func (s suite[B]) subscribeConcurrent(t *testing.T, ctx context.Context, bus B, name string, lanes int, h events.Handler, patterns ...string) {
	t.Helper()
	cs, ok := any(bus).(events.ConcurrentSubscriber)
	if !ok {
		t.Fatalf("%T is not an events.ConcurrentSubscriber", bus)
	}
	if err := cs.SubscribeConcurrent(ctx, name, lanes, h, patterns...); err != nil {
		t.Fatalf("SubscribeConcurrent(%s, %d, %v): %v", name, lanes, patterns, err)
	}
}

// subjectsOnLanes returns n subjects starting with prefix whose lanes (of
// lanes) differ from avoid's and, when distinct, from each other's.
func subjectsOnLanes(prefix string, n, lanes int, distinct bool, avoid ...string) []string {
	taken := map[int]bool{}
	for _, a := range avoid {
		taken[events.Lane(a, lanes)] = true
	}
	var subjects []string
	for i := 0; len(subjects) < n; i++ {
		subject := fmt.Sprintf("%s-%d", prefix, i)
		lane := events.Lane(subject, lanes)
		if taken[lane] {
			continue
		}
		if distinct {
			taken[lane] = true
		}
		subjects = append(subjects, subject)
	}
	return subjects
}

// exclusive is a handler wrapper that fails the test when two calls about
// the same subject overlap.
type exclusive struct {
	t       *testing.T
	mu      sync.Mutex
	running map[string]bool
	most    int // the most calls seen running at once
}

func (x *exclusive) wrap(h events.Handler) events.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		x.mu.Lock()
		if x.running[e.Subject] {
			x.t.Errorf("two calls about subject %s at once", e.Subject)
		}
		x.running[e.Subject] = true
		x.most = max(x.most, len(x.running))
		x.mu.Unlock()
		defer func() {
			x.mu.Lock()
			delete(x.running, e.Subject)
			x.mu.Unlock()
		}()
		return h(ctx, e)
	}
}

func (s suite[B]) concurrentKeepsOrderPerSubject(t *testing.T) {
	bus := s.bus(t)
	const subjects, perSubject = 12, 25
	var es []events.Envelope
	for i := range subjects * perSubject {
		es = append(es, newEvent(t, t.Context(), itemCreated, fmt.Sprintf("item-%d", i%subjects)))
	}
	// One event per subject fails once: its retry happens in place, ahead
	// of the subject's later events.
	flaky := map[string]bool{es[subjects].ID: true, es[5*subjects+7].ID: true}
	x := &exclusive{t: t, running: map[string]bool{}}
	r := newRecorder(func(_ context.Context, e events.Envelope, attempt int) error {
		if flaky[e.ID] && attempt == 1 {
			return errors.New("transient failure")
		}
		return nil
	})
	s.subscribeConcurrent(t, t.Context(), bus, "alpha", 4, x.wrap(r.handle), itemCreated)
	for i, size := 0, 1; i < len(es); i, size = i+size, size%7+1 {
		publish(t, bus, es[i:min(i+size, len(es))]...)
	}

	want := map[string][]string{}
	for _, e := range es {
		want[e.Subject] = append(want[e.Subject], e.ID)
		if flaky[e.ID] {
			want[e.Subject] = append(want[e.Subject], e.ID)
		}
	}
	got := map[string][]string{}
	for range len(es) + len(flaky) {
		c := s.next(t, r)
		got[c.env.Subject] = append(got[c.env.Subject], c.env.ID)
	}
	for subject, ids := range want {
		if !reflect.DeepEqual(got[subject], ids) {
			t.Errorf("subject %s: calls %v, want %v", subject, got[subject], ids)
		}
	}
	if s.opts.DeadLetters != nil {
		s.deadLetters(t, bus, "alpha", 0)
	}
}

func (s suite[B]) concurrentSubjectsOverlap(t *testing.T) {
	bus := s.bus(t)
	const lanes = 4
	held := "held"
	others := subjectsOnLanes("free", 6, lanes, false, held)
	first := newEvent(t, t.Context(), itemCreated, held)
	second := newEvent(t, t.Context(), itemCreated, held)
	release := make(chan struct{})
	r := newRecorder(func(ctx context.Context, e events.Envelope, _ int) error {
		if e.ID != first.ID {
			return nil
		}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	x := &exclusive{t: t, running: map[string]bool{}}
	s.subscribeConcurrent(t, t.Context(), bus, "alpha", lanes, x.wrap(r.handle), itemCreated)
	publish(t, bus, first, second)
	s.expectIDs(t, r, first.ID)

	// While the held subject's handler blocks, every other subject's
	// events complete; the held subject's next event waits its turn.
	var rest []events.Envelope
	for i := range 30 {
		rest = append(rest, newEvent(t, t.Context(), itemCreated, others[i%len(others)]))
	}
	publish(t, bus, rest...)
	done := map[string]bool{}
	for range rest {
		c := s.next(t, r)
		if c.env.ID == second.ID {
			t.Fatalf("the held subject's second event ran before its first returned")
		}
		done[c.env.ID] = true
	}
	for _, e := range rest {
		if !done[e.ID] {
			t.Errorf("event %s of subject %s not handled while another subject was held", e.ID, e.Subject)
		}
	}
	close(release)
	s.expectIDs(t, r, second.ID)
}

func (s suite[B]) concurrentPoisonEventHoldsOnlyItsLane(t *testing.T) {
	bus := s.bus(t)
	const lanes = 4
	limit := s.opts.MaxAttempts
	poison := newEvent(t, t.Context(), itemCreated, "poison")
	after := newEvent(t, t.Context(), itemCreated, "poison")
	var healthy []events.Envelope
	for _, subject := range subjectsOnLanes("healthy", 20, lanes, false, poison.Subject) {
		healthy = append(healthy, newEvent(t, t.Context(), itemCreated, subject))
	}
	// The poison event's first attempt only fails once every healthy event
	// has been handled: they flow past it, on other lanes, while it is
	// still being tried.
	flowed := make(chan struct{})
	var mu sync.Mutex
	pending := len(healthy)
	r := newRecorder(func(ctx context.Context, e events.Envelope, attempt int) error {
		switch e.ID {
		case poison.ID:
			if attempt == 1 {
				select {
				case <-flowed:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return errors.New("poison")
		case after.ID:
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if pending--; pending == 0 {
			close(flowed)
		}
		return nil
	})
	s.subscribeConcurrent(t, t.Context(), bus, "alpha", lanes, r.handle, itemCreated)
	publish(t, bus, append([]events.Envelope{poison, after}, healthy...)...)

	var poisonCalls, healthyCalls int
	for poisonCalls < limit || healthyCalls < len(healthy) {
		c := s.next(t, r)
		switch c.env.ID {
		case poison.ID:
			poisonCalls++
		case after.ID:
			t.Fatalf("the poison subject's next event ran before the poison event was given up (%d attempts)", poisonCalls)
		default:
			healthyCalls++
		}
	}
	// Given up after the limit, the poison event's lane moves on.
	s.expectIDs(t, r, after.ID)
	if s.opts.DeadLetters != nil {
		dls := s.deadLetters(t, bus, "alpha", 1)
		s.checkDeadLetter(t, dls[0], poison, limit, "poison")
	}
}

func (s suite[B]) concurrentCloseWaitsForEveryLane(t *testing.T) {
	bus := s.bus(t)
	const lanes = 4
	subjects := subjectsOnLanes("item", 3, lanes, true)
	var running atomic.Int32
	r := newRecorder(func(ctx context.Context, _ events.Envelope, _ int) error {
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond) // a handler slow to wind down
		running.Add(-1)
		return ctx.Err()
	})
	h := func(ctx context.Context, e events.Envelope) error {
		running.Add(1)
		return r.handle(ctx, e)
	}
	s.subscribeConcurrent(t, t.Context(), bus, "alpha", lanes, h, itemCreated)
	var ids []string
	for _, subject := range subjects {
		e := newEvent(t, t.Context(), itemCreated, subject)
		publish(t, bus, e)
		ids = append(ids, e.ID)
	}
	got := map[string]bool{}
	for range ids {
		got[s.next(t, r).env.ID] = true
	}
	for _, id := range ids {
		if !got[id] {
			t.Fatalf("event %s not running: one lane per subject should run them all at once", id)
		}
	}

	s.closeWhileHandling(t, bus)
	if n := running.Load(); n != 0 {
		t.Fatalf("Close returned with %d handlers still running", n)
	}
}

func (s suite[B]) concurrentRejectsBadLanes(t *testing.T) {
	bus := s.bus(t)
	cs, ok := any(bus).(events.ConcurrentSubscriber)
	if !ok {
		t.Fatalf("%T is not an events.ConcurrentSubscriber", bus)
	}
	r := newRecorder(nil)
	for _, lanes := range []int{0, -1, events.MaxLanes + 1} {
		if err := cs.SubscribeConcurrent(t.Context(), "alpha", lanes, r.handle, itemCreated); err == nil {
			t.Errorf("SubscribeConcurrent with %d lanes succeeded, want an error", lanes)
		}
	}
	// The failed calls left the name free.
	s.subscribeConcurrent(t, t.Context(), bus, "alpha", events.MaxLanes, r.handle, itemCreated)
	e := newEvent(t, t.Context(), itemCreated, "item-1")
	publish(t, bus, e)
	s.expectIDs(t, r, e.ID)
}

// subscribeBatch subscribes h with lanes lanes and batches of up to
// maxBatch events.
func (s suite[B]) subscribeBatch(t *testing.T, bus B, name string, lanes, maxBatch int, h events.BatchHandler, patterns ...string) {
	t.Helper()
	bs, ok := any(bus).(events.BatchSubscriber)
	if !ok {
		t.Fatalf("%T is not an events.BatchSubscriber", bus)
	}
	if err := bs.SubscribeBatch(t.Context(), name, lanes, maxBatch, h, patterns...); err != nil {
		t.Fatalf("SubscribeBatch(%s, %d, %d, %v): %v", name, lanes, maxBatch, patterns, err)
	}
}

// gate is a batch handler wrapper whose first call reports on opened and
// waits for release, so that the events published meanwhile wait in
// their lanes and make batches.
type gate struct {
	opened  chan struct{}
	release chan struct{}
	once    sync.Once
}

func newGate() *gate { return &gate{opened: make(chan struct{}), release: make(chan struct{})} }

func (g *gate) wrap(h events.BatchHandler) events.BatchHandler {
	return func(ctx context.Context, es []events.Envelope) error {
		first := false
		g.once.Do(func() { first = true })
		if first {
			close(g.opened)
			select {
			case <-g.release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return h(ctx, es)
	}
}

// awaitOpened waits for the first call through g.
func (s suite[B]) awaitOpened(t *testing.T, g *gate) {
	t.Helper()
	select {
	case <-g.opened:
	case <-time.After(s.opts.Timeout):
		t.Fatalf("no handler call within %v", s.opts.Timeout)
	}
}

// returned waits for the result of what (a call running elsewhere) on ch
// and fails the test if it is an error, or, with stuck, if it does not
// come within the suite's timeout.
func (s suite[B]) returned(t *testing.T, ch <-chan error, what, stuck string) {
	t.Helper()
	select {
	case err := <-ch:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(s.opts.Timeout):
		t.Fatal(stuck)
	}
}

func (s suite[B]) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(s.opts.Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, s.opts.Timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s suite[B]) batchKeepsOrderPerSubject(t *testing.T) {
	bus := s.bus(t)
	const lanes, maxBatch, subjects, perSubject = 4, 10, 12, 20
	first := newEvent(t, t.Context(), itemCreated, "first")
	var es []events.Envelope
	for i := range subjects * perSubject {
		es = append(es, newEvent(t, t.Context(), itemCreated, fmt.Sprintf("item-%d", i%subjects)))
	}
	g := newGate()
	x := &exclusive{t: t, running: map[string]bool{}}
	var mu sync.Mutex
	got := map[string][]string{}
	handled, largest := 0, 0
	h := func(ctx context.Context, batch []events.Envelope) error {
		if len(batch) > maxBatch {
			t.Errorf("batch of %d events, want at most %d", len(batch), maxBatch)
		}
		lane := events.Lane(batch[0].Subject, lanes)
		subjects := map[string]bool{}
		for _, e := range batch {
			if events.Lane(e.Subject, lanes) != lane {
				t.Errorf("one batch holds events of lanes %d and %d", lane, events.Lane(e.Subject, lanes))
			}
			subjects[e.Subject] = true
		}
		// No other call may be handling these subjects meanwhile.
		x.mu.Lock()
		for subject := range subjects {
			if x.running[subject] {
				t.Errorf("two calls about subject %s at once", subject)
			}
			x.running[subject] = true
		}
		x.mu.Unlock()
		defer func() {
			x.mu.Lock()
			for subject := range subjects {
				delete(x.running, subject)
			}
			x.mu.Unlock()
		}()
		mu.Lock()
		defer mu.Unlock()
		for _, e := range batch {
			got[e.Subject] = append(got[e.Subject], e.ID)
		}
		handled += len(batch)
		largest = max(largest, len(batch))
		return nil
	}
	s.subscribeBatch(t, bus, "alpha", lanes, maxBatch, g.wrap(h), itemCreated)
	publish(t, bus, first)
	s.awaitOpened(t, g)
	for i, size := 0, 1; i < len(es); i, size = i+size, size%7+1 {
		publish(t, bus, es[i:min(i+size, len(es))]...)
	}
	close(g.release)
	s.waitFor(t, "call for every event", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return handled >= len(es)+1
	})

	mu.Lock()
	defer mu.Unlock()
	want := map[string][]string{first.Subject: {first.ID}}
	for _, e := range es {
		want[e.Subject] = append(want[e.Subject], e.ID)
	}
	for subject, ids := range want {
		if !reflect.DeepEqual(got[subject], ids) {
			t.Errorf("subject %s: handled %v, want %v", subject, got[subject], ids)
		}
	}
	if handled != len(es)+1 {
		t.Errorf("%d events handled, want %d", handled, len(es)+1)
	}
	if largest < 2 {
		t.Errorf("every call had one event, although events were waiting")
	}
}

func (s suite[B]) batchFailureFallsBackToSingleEvents(t *testing.T) {
	bus := s.bus(t)
	limit := s.opts.MaxAttempts
	var mu sync.Mutex
	gates := map[string]*gate{} // by the id of the event that opens it
	poisons := map[string]bool{}
	var effects []string // ids, in the order they took effect
	poisonCalls, failedBatches := 0, 0
	// All or nothing, as a transaction would be: a poison event makes its
	// batch panic before anything takes effect, and fails on its own.
	h := func(ctx context.Context, batch []events.Envelope) error {
		mu.Lock()
		g := gates[batch[0].ID]
		delete(gates, batch[0].ID)
		mu.Unlock()
		if g != nil {
			close(g.opened)
			select {
			case <-g.release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, e := range batch {
			if !poisons[e.ID] {
				continue
			}
			if len(batch) > 1 {
				failedBatches++
				panic("poison in a batch")
			}
			poisonCalls++
			return errors.New("poison")
		}
		for _, e := range batch {
			effects = append(effects, e.ID)
		}
		return nil
	}
	s.subscribeBatch(t, bus, "alpha", 1, 50, h, itemCreated)

	// Each round holds the lane on a gate event while a poison event and
	// healthy ones are published, so that they wait together; how many
	// a transport has delivered to the lane by then varies, so rounds go
	// on until a batch holding the poison event has failed.
	var want []string
	var poisoned []events.Envelope
	for round := 0; round < 5; round++ {
		mu.Lock()
		fell := failedBatches > 0
		mu.Unlock()
		if fell {
			break
		}
		opener := newEvent(t, t.Context(), itemCreated, fmt.Sprintf("gate-%d", round))
		g := newGate()
		es, _ := newEvents(t, itemCreated, 30)
		poison := es[11]
		mu.Lock()
		gates[opener.ID] = g
		poisons[poison.ID] = true
		mu.Unlock()
		poisoned = append(poisoned, poison)
		publish(t, bus, opener)
		s.awaitOpened(t, g)
		publish(t, bus, es...)
		close(g.release)
		want = append(want, opener.ID)
		for _, e := range es {
			if e.ID != poison.ID {
				want = append(want, e.ID)
			}
		}
		s.waitFor(t, "effect of every healthy event", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(effects) >= len(want) && poisonCalls >= limit*len(poisoned)
		})
	}
	after := newEvent(t, t.Context(), itemCreated, "after")
	publish(t, bus, after)
	want = append(want, after.ID)
	s.waitFor(t, "effect of the event after the poison ones", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(effects) >= len(want)
	})
	if s.opts.DeadLetters != nil {
		dls := s.deadLetters(t, bus, "alpha", len(poisoned))
		for i, dl := range dls {
			s.checkDeadLetter(t, dl, poisoned[i], limit, "poison")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	// Each healthy event took effect once, in order; the poison ones never.
	if !reflect.DeepEqual(effects, want) {
		t.Errorf("effects %v, want %v", effects, want)
	}
	if failedBatches == 0 {
		t.Errorf("no poison event was ever in a batch in %d rounds: nothing fell back", len(poisoned))
	}
	if poisonCalls != limit*len(poisoned) {
		t.Errorf("poison events handled alone %d times, want %d", poisonCalls, limit*len(poisoned))
	}
}

func (s suite[B]) batchRejectsBadArguments(t *testing.T) {
	bus := s.bus(t)
	bs, ok := any(bus).(events.BatchSubscriber)
	if !ok {
		t.Fatalf("%T is not an events.BatchSubscriber", bus)
	}
	ok1 := func(context.Context, []events.Envelope) error { return nil }
	cases := []struct {
		name            string
		lanes, maxBatch int
		h               events.BatchHandler
	}{
		{"no lanes", 0, 10, ok1},
		{"too many lanes", events.MaxLanes + 1, 10, ok1},
		{"empty batches", 1, 0, ok1},
		{"batches too large", 1, events.MaxBatch + 1, ok1},
		{"nil handler", 1, 10, nil},
	}
	for _, tc := range cases {
		if err := bs.SubscribeBatch(t.Context(), "alpha", tc.lanes, tc.maxBatch, tc.h, itemCreated); err == nil {
			t.Errorf("%s: SubscribeBatch succeeded, want an error", tc.name)
		}
	}
	// The failed calls left the name free.
	r := newRecorder(nil)
	s.subscribeBatch(t, bus, "alpha", 2, 5, func(ctx context.Context, es []events.Envelope) error {
		for _, e := range es {
			if err := r.handle(ctx, e); err != nil {
				return err
			}
		}
		return nil
	}, itemCreated)
	e := newEvent(t, t.Context(), itemCreated, "item-1")
	publish(t, bus, e)
	s.expectIDs(t, r, e.ID)
}

// closeWhileHandling closes bus while handlers are running and fails the
// test if Close errs or does not return within the suite's timeout.
func (s suite[B]) closeWhileHandling(t *testing.T, bus B) {
	t.Helper()
	closed := make(chan error, 1)
	go func() { closed <- bus.Close() }()
	s.returned(t, closed, "Close", "Close did not return while handlers were running")
}
