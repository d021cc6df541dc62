package gcsstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/subgraphs/cloudmanager/gcsstore"
)

// publisher keeps what it is given; it refuses the first `refuse` calls.
type publisher struct {
	mu     sync.Mutex
	refuse int
	calls  int
	got    []events.Envelope
}

func (p *publisher) Publish(_ context.Context, envs ...events.Envelope) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.refuse > 0 {
		p.refuse--
		return errors.New("broker unreachable")
	}
	p.got = append(p.got, envs...)
	return nil
}

func (p *publisher) published() []events.Envelope {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]events.Envelope(nil), p.got...)
}

// runRelay runs the outbox's relay on pub until the test ends.
func runRelay(t *testing.T, o *gcsstore.Outbox, pub events.Publisher) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := o.Run(ctx, pub); err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// waitFor polls cond until it holds or 10 seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func pending(t *testing.T, o *gcsstore.Outbox) int {
	t.Helper()
	n, err := o.Pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var fastRelay = gcsstore.OutboxOptions{PollInterval: 20 * time.Millisecond, InitialBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Logger: logging.Discard()}

// An event waits for its change: the uploaded event goes out once the
// asset exists, the deleted one once it is gone, in that order, each once.
func TestOutboxPublishesOnceTheChangeIsVisible(t *testing.T) {
	ctx := context.Background()
	s, bucket := newStore(t)
	o := gcsstore.NewOutbox(bucket, fastRelay)
	pub := &publisher{}
	runRelay(t, o, pub)

	a := newAsset(t)
	if err := o.RecordUploaded(ctx, a); err != nil {
		t.Fatal(err)
	}
	o.Notify()
	// Several rounds pass; the asset does not exist yet.
	time.Sleep(100 * time.Millisecond)
	if got := pub.published(); len(got) != 0 {
		t.Fatalf("published before the change: %+v", got)
	}
	if err := s.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	o.Notify()
	waitFor(t, "the uploaded event", func() bool { return len(pub.published()) == 1 && pending(t, o) == 0 })

	if err := o.RecordDeleted(ctx, a); err != nil {
		t.Fatal(err)
	}
	// A retried delete records nothing more.
	if err := o.RecordDeleted(ctx, a); err != nil {
		t.Fatal(err)
	}
	if n := pending(t, o); n != 1 {
		t.Fatalf("%d records pending after a retried delete, want 1", n)
	}
	if err := s.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	o.Notify()
	waitFor(t, "the deleted event", func() bool { return len(pub.published()) == 2 && pending(t, o) == 0 })

	got := pub.published()
	for i, typ := range []string{events.AssetUploaded, events.AssetDeleted} {
		e := got[i]
		d, err := events.Decode[events.AssetData](e)
		if err != nil || e.Type != typ || e.Source != "cloudmanager" || e.Subject != a.ID ||
			d != (events.AssetData{AssetID: a.ID, OwnerID: a.OwnerID, Purpose: "GALLERY"}) {
			t.Fatalf("event %d: %+v %+v %v", i, e, d, err)
		}
	}
}

// Nothing is lost while the bus refuses: the relay retries the same
// envelope (same id) until it is taken.
func TestOutboxRetriesARefusedPublish(t *testing.T) {
	ctx := context.Background()
	s, bucket := newStore(t)
	o := gcsstore.NewOutbox(bucket, fastRelay)
	pub := &publisher{refuse: 3}
	a := newAsset(t)
	if err := o.RecordUploaded(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	runRelay(t, o, pub)
	waitFor(t, "the event after refusals", func() bool { return len(pub.published()) == 1 && pending(t, o) == 0 })
	pub.mu.Lock()
	calls := pub.calls
	pub.mu.Unlock()
	if calls < 4 {
		t.Fatalf("%d publish calls, want the 3 refused and 1 more", calls)
	}
	if got := pub.published(); got[0].Subject != a.ID {
		t.Fatalf("published %+v", got)
	}
}

// An event whose change never came (the write failed, or its writer died)
// is dropped after the grace, unpublished.
func TestOutboxDropsEventsOfChangesThatNeverHappened(t *testing.T) {
	ctx := context.Background()
	_, bucket := newStore(t)
	opts := fastRelay
	opts.Grace = 50 * time.Millisecond
	o := gcsstore.NewOutbox(bucket, opts)
	pub := &publisher{}
	a := newAsset(t)
	if err := o.RecordUploaded(ctx, a); err != nil {
		t.Fatal(err)
	}
	runRelay(t, o, pub)
	waitFor(t, "the record dropped", func() bool { return pending(t, o) == 0 })
	if got := pub.published(); len(got) != 0 {
		t.Fatalf("published %+v", got)
	}
}

// An asset created and deleted before the relay looked still has both its
// events published, in order.
func TestOutboxUploadedThenDeletedBeforeTheRelayRan(t *testing.T) {
	ctx := context.Background()
	s, bucket := newStore(t)
	o := gcsstore.NewOutbox(bucket, fastRelay)
	a := newAsset(t)
	for _, step := range []func() error{
		func() error { return o.RecordUploaded(ctx, a) },
		func() error { return s.Create(ctx, a) },
		func() error { return o.RecordDeleted(ctx, a) },
		func() error { return s.Delete(ctx, a.ID) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	pub := &publisher{}
	runRelay(t, o, pub)
	waitFor(t, "both events", func() bool { return len(pub.published()) == 2 })
	if got := pub.published(); got[0].Type != events.AssetUploaded || got[1].Type != events.AssetDeleted {
		t.Fatalf("order %s, %s", got[0].Type, got[1].Type)
	}
}
