package mongoevents_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/mongoevents"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/testenv"
)

const orderAdvanced = "kitchen.order.advanced.v1"

// orderDoc is the producer's document: each write moves the order one
// step and carries the event saying so.
type orderDoc struct {
	ID                 string `bson:"_id"`
	Step               int    `bson:"step"`
	Version            int64  `bson:"version"`
	mongoevents.Outbox `bson:",inline"`
}

// tallyDoc is the consumer's document about an order: the steps it was
// told of, in the order it applied them.
type tallyDoc struct {
	ID                string   `bson:"_id"`
	Steps             []int    `bson:"steps"`
	Log               []string `bson:"log"`
	Version           int64    `bson:"version"`
	mongoevents.Inbox `bson:",inline"`
}

type stepData struct {
	Step int `json:"step"`
}

func database(t *testing.T) *mongo.Database {
	t.Helper()
	uri, name := testenv.Mongo(t)
	client, err := mongodb.Connect(context.Background(), uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client.Database(name)
}

var errConflict = errors.New("changed meanwhile")

// newLocks returns the Locks the embedded server needs, and nil on
// MongoDB, which applies each write atomically.
func newLocks() *mongoevents.Locks {
	if testenv.UsingRealMongo() {
		return nil
	}
	return &mongoevents.Locks{}
}

// advance moves order id one step and adds the event in the same write,
// as a store adapter does, holding the document's lock from load to save;
// it retries on a version conflict.
func advance(ctx context.Context, orders *mongo.Collection, locks *mongoevents.Locks, id string) (events.Envelope, error) {
	for {
		unlock, err := locks.Lock(orders, id)
		if err != nil {
			return events.Envelope{}, err
		}
		e, err := tryAdvance(ctx, orders, id)
		unlock()
		if !errors.Is(err, errConflict) {
			return e, err
		}
	}
}

func tryAdvance(ctx context.Context, orders *mongo.Collection, id string) (events.Envelope, error) {
	var doc orderDoc
	err := orders.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc)
	isNew := errors.Is(err, mongo.ErrNoDocuments)
	if err != nil && !isNew {
		return events.Envelope{}, err
	}
	doc.ID = id
	doc.Step++
	e, err := events.New(ctx, "kitchen", orderAdvanced, id, stepData{Step: doc.Step})
	if err != nil {
		return events.Envelope{}, err
	}
	if err := doc.Add(e); err != nil {
		return events.Envelope{}, err
	}
	read := doc.Version
	doc.Version++
	if isNew {
		if _, err := orders.InsertOne(ctx, doc); mongodb.IsDuplicateKey(err) {
			return events.Envelope{}, errConflict
		} else if err != nil {
			return events.Envelope{}, err
		}
		return e, nil
	}
	res, err := orders.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: read}}, doc)
	if err != nil {
		return events.Envelope{}, err
	}
	if res.MatchedCount == 0 {
		return events.Envelope{}, errConflict
	}
	return e, nil
}

func mustAdvance(t *testing.T, orders *mongo.Collection, locks *mongoevents.Locks, id string) events.Envelope {
	t.Helper()
	e, err := advance(t.Context(), orders, locks, id)
	if err != nil {
		t.Fatalf("advance %s: %v", id, err)
	}
	return e
}

// tallyOn is the consumer's handler: load, skip if seen, apply, mark,
// save by versioned replace. fail (when not nil) may fail an attempt
// after the change was made in memory, before it is saved.
func tallyOn(tallies *mongo.Collection, d *deliveries, fail func(e events.Envelope, attempt int) error) events.Handler {
	return events.Typed(func(ctx context.Context, e events.Envelope, data stepData) error {
		attempt := d.add(e.ID)
		var doc tallyDoc
		err := tallies.FindOne(ctx, bson.D{{Key: "_id", Value: e.Subject}}).Decode(&doc)
		isNew := errors.Is(err, mongo.ErrNoDocuments)
		if err != nil && !isNew {
			return err
		}
		if doc.Seen(e.ID) {
			return nil
		}
		doc.ID = e.Subject
		doc.Steps = append(doc.Steps, data.Step)
		doc.Log = append(doc.Log, e.ID)
		doc.Mark(e.ID)
		if fail != nil {
			if err := fail(e, attempt); err != nil {
				return err
			}
		}
		read := doc.Version
		doc.Version++
		if isNew {
			_, err := tallies.InsertOne(ctx, doc)
			return err
		}
		res, err := tallies.ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}, {Key: "version", Value: read}}, doc)
		if err == nil && res.MatchedCount == 0 {
			err = errConflict
		}
		return err
	})
}

type deliveries struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *deliveries) add(id string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.n[id]++
	return d.n[id]
}

func (d *deliveries) count(id string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[id]
}

func (d *deliveries) total() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	sum := 0
	for _, n := range d.n {
		sum += n
	}
	return sum
}

func newBus(t *testing.T) *events.MemoryBus {
	t.Helper()
	bus := events.NewMemoryBus(logging.Discard(), events.WithRetry(events.Retry{
		MaxAttempts: 20, InitialBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond,
	}))
	t.Cleanup(func() { _ = bus.Close() })
	return bus
}

func consume(t *testing.T, bus events.Subscriber, tallies *mongo.Collection, fail func(events.Envelope, int) error) *deliveries {
	t.Helper()
	d := &deliveries{n: map[string]int{}}
	if err := bus.Subscribe(t.Context(), "tally", tallyOn(tallies, d, fail), orderAdvanced); err != nil {
		t.Fatal(err)
	}
	return d
}

func run(t *testing.T, r *mongoevents.Relay) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

type publisherFunc func(ctx context.Context, es ...events.Envelope) error

func (f publisherFunc) Publish(ctx context.Context, es ...events.Envelope) error {
	return f(ctx, es...)
}

var fast = mongoevents.Options{BatchSize: 5, PollInterval: 50 * time.Millisecond, InitialBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}

func withLocks(o mongoevents.Options, locks *mongoevents.Locks) mongoevents.Options {
	o.Locks = locks
	return o
}

func tally(t *testing.T, tallies *mongo.Collection, id string) tallyDoc {
	t.Helper()
	var doc tallyDoc
	err := tallies.FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&doc)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		t.Fatal(err)
	}
	return doc
}

// waitSteps waits until the tally of each order shows steps 1..n, each
// applied once and in order.
func waitSteps(t *testing.T, tallies *mongo.Collection, want map[string]int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for id, n := range want {
		for {
			doc := tally(t, tallies, id)
			if len(doc.Steps) >= n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("order %s: tally has steps %v, want 1..%d", id, doc.Steps, n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	time.Sleep(50 * time.Millisecond) // time for any extra effect to show
	for id, n := range want {
		doc := tally(t, tallies, id)
		wantSteps := make([]int, n)
		for i := range wantSteps {
			wantSteps[i] = i + 1
		}
		if !slices.Equal(doc.Steps, wantSteps) {
			t.Errorf("order %s: steps applied %v, want 1..%d once each, in order", id, doc.Steps, n)
		}
		if logged := slices.Compact(slices.Sorted(slices.Values(doc.Log))); len(logged) != len(doc.Log) {
			t.Errorf("order %s: an event took effect twice: %v", id, doc.Log)
		}
	}
}

func pendingDocs(t *testing.T, orders *mongo.Collection) int64 {
	t.Helper()
	n, err := orders.CountDocuments(context.Background(), bson.D{{Key: "outbox_pending", Value: true}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func eventually(t *testing.T, timeout time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEveryEventTakesEffectOnceInOrder(t *testing.T) {
	t.Parallel()
	db := database(t)
	locks := newLocks()
	orders, tallies := db.Collection("orders"), db.Collection("tallies")
	bus := newBus(t)
	d := consume(t, bus, tallies, nil)
	relay := mongoevents.NewRelay(bus, withLocks(fast, locks), orders)
	run(t, relay)

	const producers, steps = 3, 12
	want := map[string]int{}
	var wg sync.WaitGroup
	for p := range producers {
		for _, id := range []string{fmt.Sprintf("order-%d-a", p), fmt.Sprintf("order-%d-b", p)} {
			want[id] = steps
		}
		wg.Go(func() {
			for range steps {
				for _, id := range []string{fmt.Sprintf("order-%d-a", p), fmt.Sprintf("order-%d-b", p)} {
					if _, err := advance(t.Context(), orders, locks, id); err != nil {
						t.Errorf("advance: %v", err)
						return
					}
					relay.Notify()
				}
			}
		})
	}
	wg.Wait()
	waitSteps(t, tallies, want)
	eventually(t, 5*time.Second, func() bool { return pendingDocs(t, orders) == 0 }, "every outbox to be cleared")
	// Delivery is at least once: a copy (a relay pass that lost its cleanup
	// to a concurrent write) is allowed and absorbed by the inbox, which
	// waitSteps proved; a missing delivery is not.
	if got := d.total(); got < producers*2*steps {
		t.Errorf("%d deliveries for %d events", got, producers*2*steps)
	} else if got > producers*2*steps {
		t.Logf("%d copies delivered and absorbed", got-producers*2*steps)
	}
	if lag, err := relay.Lag(t.Context()); err != nil || lag != 0 {
		t.Errorf("Lag with nothing pending = %v, %v", lag, err)
	}
}

// Writers race on one document while the relay removes what it published
// from the same document: no event is lost, and the first copy of each
// arrives in the document's order.
func TestConcurrentWritersLoseNoEvent(t *testing.T) {
	t.Parallel()
	db := database(t)
	locks := newLocks()
	orders, tallies := db.Collection("orders"), db.Collection("tallies")
	bus := newBus(t)
	consume(t, bus, tallies, nil)
	relay := mongoevents.NewRelay(bus, mongoevents.Options{BatchSize: 3, PollInterval: 5 * time.Millisecond, Locks: locks}, orders)
	run(t, relay)

	const writers, each = 4, 10
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				if _, err := advance(t.Context(), orders, locks, "order-1"); err != nil {
					t.Errorf("advance: %v", err)
					return
				}
				relay.Notify()
			}
		})
	}
	wg.Wait()
	waitSteps(t, tallies, map[string]int{"order-1": writers * each})
	eventually(t, 5*time.Second, func() bool { return pendingDocs(t, orders) == 0 }, "the outbox to be cleared")
}

func TestDuplicateDeliveryHasOneEffect(t *testing.T) {
	t.Parallel()
	db := database(t)
	locks := newLocks()
	orders, tallies := db.Collection("orders"), db.Collection("tallies")
	bus := newBus(t)
	d := consume(t, bus, tallies, nil)
	e := mustAdvance(t, orders, locks, "order-1")
	run(t, mongoevents.NewRelay(bus, withLocks(fast, locks), orders))
	for range 3 {
		if err := bus.Publish(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 10*time.Second, func() bool { return d.count(e.ID) == 4 }, "4 deliveries")
	waitSteps(t, tallies, map[string]int{"order-1": 1})
}

// The relay dies after the broker took the events and before removing
// them from the document: the next relay publishes them again, and the
// consumer's inbox absorbs the copies.
func TestRelayStoppedBeforeClearingRepublishes(t *testing.T) {
	t.Parallel()
	db := database(t)
	locks := newLocks()
	orders, tallies := db.Collection("orders"), db.Collection("tallies")
	bus := newBus(t)
	d := consume(t, bus, tallies, nil)
	mustAdvance(t, orders, locks, "order-1")
	mustAdvance(t, orders, locks, "order-1")
	mustAdvance(t, orders, locks, "order-2")

	ctx, kill := context.WithCancel(t.Context())
	dying := publisherFunc(func(_ context.Context, es ...events.Envelope) error {
		err := bus.Publish(t.Context(), es...)
		kill()
		return err
	})
	if err := mongoevents.NewRelay(dying, withLocks(fast, locks), orders).Run(ctx); err != nil {
		t.Fatal(err)
	}
	waitSteps(t, tallies, map[string]int{"order-1": 2, "order-2": 1})
	if n := pendingDocs(t, orders); n != 2 {
		t.Fatalf("%d documents pending after the relay died before clearing, want 2", n)
	}

	run(t, mongoevents.NewRelay(bus, withLocks(fast, locks), orders))
	eventually(t, 10*time.Second, func() bool { return pendingDocs(t, orders) == 0 }, "the events to be republished")
	eventually(t, 10*time.Second, func() bool { return d.total() == 6 }, "6 deliveries")
	waitSteps(t, tallies, map[string]int{"order-1": 2, "order-2": 1})
}

// A store saving a copy of the document read before the relay removed its
// events puts them back: they go out again and the inbox absorbs them.
func TestStaleSaveRepublishes(t *testing.T) {
	t.Parallel()
	db := database(t)
	locks := newLocks()
	orders, tallies := db.Collection("orders"), db.Collection("tallies")
	bus := newBus(t)
	d := consume(t, bus, tallies, nil)
	e := mustAdvance(t, orders, locks, "order-1")
	var stale orderDoc
	if err := orders.FindOne(t.Context(), bson.D{{Key: "_id", Value: "order-1"}}).Decode(&stale); err != nil {
		t.Fatal(err)
	}
	relay := mongoevents.NewRelay(bus, withLocks(fast, locks), orders)
	run(t, relay)
	eventually(t, 10*time.Second, func() bool { return pendingDocs(t, orders) == 0 }, "the outbox to be cleared")

	// The relay leaves the version alone, so the stale save succeeds.
	res, err := orders.ReplaceOne(t.Context(), bson.D{{Key: "_id", Value: "order-1"}, {Key: "version", Value: stale.Version}}, stale)
	if err != nil || res.MatchedCount != 1 {
		t.Fatalf("stale save: %v, matched %d", err, res.MatchedCount)
	}
	relay.Notify()
	eventually(t, 10*time.Second, func() bool { return d.count(e.ID) == 2 }, "the event to be published again")
	waitSteps(t, tallies, map[string]int{"order-1": 1})
}

func TestHandlerFailureBeforeSaveIsRedelivered(t *testing.T) {
	t.Parallel()
	db := database(t)
	locks := newLocks()
	orders, tallies := db.Collection("orders"), db.Collection("tallies")
	bus := newBus(t)
	first := true
	var failedID string
	d := consume(t, bus, tallies, func(e events.Envelope, attempt int) error {
		switch {
		case first:
			first, failedID = false, e.ID
			return errors.New("downstream unavailable")
		case e.ID == failedID && attempt == 2:
			panic("handler bug")
		}
		return nil
	})
	mustAdvance(t, orders, locks, "order-1")
	mustAdvance(t, orders, locks, "order-1")
	run(t, mongoevents.NewRelay(bus, withLocks(fast, locks), orders))
	waitSteps(t, tallies, map[string]int{"order-1": 2})
	if n := d.count(failedID); n != 3 {
		t.Errorf("failing event delivered %d times, want 3", n)
	}
}

// The events of order A fail to publish a few times: order B goes on
// meanwhile, and A's events go later, in order.
func TestDocumentKeepsOrderWhileItsEventsFail(t *testing.T) {
	t.Parallel()
	db := database(t)
	locks := newLocks()
	orders, tallies := db.Collection("orders"), db.Collection("tallies")
	bus := newBus(t)
	consume(t, bus, tallies, nil)
	a1 := mustAdvance(t, orders, locks, "a")
	mustAdvance(t, orders, locks, "a")
	mustAdvance(t, orders, locks, "b")
	mustAdvance(t, orders, locks, "b")

	var mu sync.Mutex
	var published []string
	failures := 0
	pub := publisherFunc(func(ctx context.Context, es ...events.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		if slices.ContainsFunc(es, func(e events.Envelope) bool { return e.ID == a1.ID }) && failures < 4 {
			failures++
			return errors.New("nacked")
		}
		for _, e := range es {
			published = append(published, e.Subject)
		}
		return bus.Publish(ctx, es...)
	})
	run(t, mongoevents.NewRelay(pub, withLocks(fast, locks), orders))
	waitSteps(t, tallies, map[string]int{"a": 2, "b": 2})
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"b", "b", "a", "a"}; !slices.Equal(published, want) {
		t.Errorf("published subjects %v, want %v", published, want)
	}
}

// With a poll interval of an hour, only Notify can make the relay publish.
func TestNotifyWakesTheRelay(t *testing.T) {
	t.Parallel()
	db := database(t)
	locks := newLocks()
	orders, tallies := db.Collection("orders"), db.Collection("tallies")
	bus := newBus(t)
	consume(t, bus, tallies, nil)
	relay := mongoevents.NewRelay(bus, mongoevents.Options{PollInterval: time.Hour, Locks: locks}, orders)
	// The relay's first look publishes what is there, then it sleeps.
	mustAdvance(t, orders, locks, "order-0")
	run(t, relay)
	waitSteps(t, tallies, map[string]int{"order-0": 1})

	mustAdvance(t, orders, locks, "order-1")
	time.Sleep(200 * time.Millisecond)
	if doc := tally(t, tallies, "order-1"); len(doc.Steps) != 0 {
		t.Fatalf("the relay published without being notified")
	}
	for i := range 5 {
		mustAdvance(t, orders, locks, "order-1")
		start := time.Now()
		relay.Notify()
		eventually(t, 5*time.Second, func() bool { return len(tally(t, tallies, "order-1").Steps) == i+2 }, "the notified event")
		t.Logf("write to consumer save after Notify: %v", time.Since(start))
	}
}

func TestLagIsTheOldestPendingAge(t *testing.T) {
	t.Parallel()
	db := database(t)
	locks := newLocks()
	orders, other := db.Collection("orders"), db.Collection("other")
	relay := mongoevents.NewRelay(publisherFunc(func(context.Context, ...events.Envelope) error { return nil }), withLocks(fast, locks), orders, other)
	if lag, err := relay.Lag(t.Context()); err != nil || lag != 0 {
		t.Fatalf("Lag with nothing pending = %v, %v", lag, err)
	}
	mustAdvance(t, other, locks, "order-1")
	time.Sleep(100 * time.Millisecond)
	mustAdvance(t, orders, locks, "order-2")
	if lag, err := relay.Lag(t.Context()); err != nil || lag < 100*time.Millisecond || lag > time.Minute {
		t.Fatalf("Lag = %v, %v; want the first event's age", lag, err)
	}
	run(t, relay)
	eventually(t, 5*time.Second, func() bool {
		lag, err := relay.Lag(t.Context())
		return err == nil && lag == 0
	}, "no lag")
}

// Push adds events inside an update instead of a replace.
func TestPushInAnUpdate(t *testing.T) {
	t.Parallel()
	db := database(t)
	locks := newLocks()
	orders, tallies := db.Collection("orders"), db.Collection("tallies")
	bus := newBus(t)
	consume(t, bus, tallies, nil)
	if _, err := orders.InsertOne(t.Context(), orderDoc{ID: "order-1"}); err != nil {
		t.Fatal(err)
	}
	for step := 1; step <= 3; step++ {
		e, err := events.New(t.Context(), "kitchen", orderAdvanced, "order-1", stepData{Step: step})
		if err != nil {
			t.Fatal(err)
		}
		update, err := mongoevents.Push(bson.D{
			{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
			{Key: "$set", Value: bson.M{"step": step}},
		}, e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := orders.UpdateOne(t.Context(), bson.D{{Key: "_id", Value: "order-1"}}, update); err != nil {
			t.Fatal(err)
		}
	}
	var doc orderDoc
	if err := orders.FindOne(t.Context(), bson.D{{Key: "_id", Value: "order-1"}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Step != 3 || doc.Version != 3 || len(doc.Events) != 3 || !doc.Pending {
		t.Fatalf("after three updates: %+v", doc)
	}
	run(t, mongoevents.NewRelay(bus, withLocks(fast, locks), orders))
	waitSteps(t, tallies, map[string]int{"order-1": 3})
	eventually(t, 5*time.Second, func() bool { return pendingDocs(t, orders) == 0 }, "the outbox to be cleared")

	if _, err := mongoevents.Push(bson.D{{Key: "$set", Value: bson.D{{Key: "outbox_pending", Value: false}}}}, mustEvent(t)); err == nil {
		t.Error("Push over a $set of outbox_pending succeeded")
	}
	if _, err := mongoevents.Push(bson.D{{Key: "$set", Value: 1}}, mustEvent(t)); err == nil {
		t.Error("Push into a malformed $set succeeded")
	}
}

func mustEvent(t *testing.T) events.Envelope {
	t.Helper()
	e, err := events.New(t.Context(), "kitchen", orderAdvanced, "order-1", stepData{Step: 1})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestOutboxAddChecksItsEvents(t *testing.T) {
	var o mongoevents.Outbox
	bad := mustEvent(t)
	bad.Subject = ""
	if err := o.Add(mustEvent(t), bad); !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("Add with an invalid envelope: %v", err)
	}
	if len(o.Events) != 0 || o.Pending {
		t.Fatalf("a failed Add changed the outbox: %+v", o)
	}
	for range mongoevents.MaxPending {
		if err := o.Add(mustEvent(t)); err != nil {
			t.Fatal(err)
		}
	}
	token := o.Token
	if err := o.Add(mustEvent(t)); !errors.Is(err, mongoevents.ErrOutboxFull) {
		t.Fatalf("Add beyond MaxPending: %v", err)
	}
	if len(o.Events) != mongoevents.MaxPending || o.Token != token {
		t.Fatalf("a refused Add changed the outbox")
	}
	e := mustEvent(t)
	var fresh mongoevents.Outbox
	if err := fresh.Add(e); err != nil {
		t.Fatal(err)
	}
	if got := fresh.Envelopes(); len(got) != 1 || got[0].ID != e.ID || string(got[0].Data) != string(e.Data) || !got[0].Time.Equal(e.Time) {
		t.Errorf("Envelopes = %+v, want %+v", got, e)
	}
}

func TestInboxRemembersTheLatest(t *testing.T) {
	var in mongoevents.Inbox
	for i := range mongoevents.InboxSize + 10 {
		in.Mark(fmt.Sprint(i))
		in.Mark(fmt.Sprint(i)) // marking twice keeps one entry
	}
	if len(in.Applied) != mongoevents.InboxSize {
		t.Fatalf("inbox holds %d ids, want %d", len(in.Applied), mongoevents.InboxSize)
	}
	if in.Seen("9") || !in.Seen("10") || !in.Seen(fmt.Sprint(mongoevents.InboxSize+9)) {
		t.Errorf("inbox should forget the 10 oldest ids and keep the rest: %v", in.Applied)
	}
}

func TestRunTwiceConcurrentlyFails(t *testing.T) {
	t.Parallel()
	db := database(t)
	relay := mongoevents.NewRelay(newBus(t), fast, db.Collection("orders"))
	// Two Runs at once: whichever starts second is refused at once, the
	// other runs until its context ends.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- relay.Run(ctx) }()
	}
	select {
	case err := <-errs:
		if err == nil {
			t.Fatal("a Run ended without being refused")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("neither Run was refused")
	}
	cancel()
	if err := <-errs; err != nil {
		t.Fatalf("the running relay: %v", err)
	}
}

// The lock of a document is the same whether its _id is given as a Go
// value or as read back by the relay.
func TestLocksNameADocumentByItsID(t *testing.T) {
	t.Parallel()
	db := database(t)
	orders := db.Collection("orders")
	if _, err := orders.InsertOne(t.Context(), orderDoc{ID: "order-1"}); err != nil {
		t.Fatal(err)
	}
	var read struct {
		ID bson.RawValue `bson:"_id"`
	}
	if err := orders.FindOne(t.Context(), bson.D{{Key: "_id", Value: "order-1"}}).Decode(&read); err != nil {
		t.Fatal(err)
	}
	var locks mongoevents.Locks
	unlock, err := locks.Lock(orders, "order-1")
	if err != nil {
		t.Fatal(err)
	}
	acquired := make(chan func())
	go func() {
		u, err := locks.Lock(orders, read.ID)
		if err != nil {
			t.Error(err)
		}
		acquired <- u
	}()
	other, err := locks.Lock(db.Collection("tallies"), "order-1") // another collection: free
	if err != nil {
		t.Fatal(err)
	}
	other()
	select {
	case <-acquired:
		t.Fatal("the same document was locked twice")
	case <-time.After(50 * time.Millisecond):
	}
	unlock()
	select {
	case u := <-acquired:
		u()
	case <-time.After(5 * time.Second):
		t.Fatal("the lock was not handed over")
	}
	var none *mongoevents.Locks
	u, err := none.Lock(orders, "order-1")
	if err != nil {
		t.Fatal(err)
	}
	u()
}
