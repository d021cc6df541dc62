package mongoevents

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
)

// Defaults of Options.
const (
	DefaultBatchSize      = 100
	DefaultPollInterval   = time.Second
	DefaultInitialBackoff = 100 * time.Millisecond
	DefaultMaxBackoff     = 10 * time.Second
	DefaultPublishTimeout = 10 * time.Second
)

// Options tune a Relay; zero fields take the defaults.
type Options struct {
	// BatchSize is about the most events one Publish call carries: a
	// document's events always go together, so a batch may end with more.
	BatchSize int
	// PollInterval is the longest the relay sleeps between two looks at the
	// collections. Notify wakes it sooner.
	PollInterval time.Duration
	// InitialBackoff is the wait before the events of a document whose
	// publishing failed are tried again; it doubles with each failure up to
	// MaxBackoff. The relay never gives up on a document.
	InitialBackoff, MaxBackoff time.Duration
	// PublishTimeout bounds one Publish call.
	PublishTimeout time.Duration
	// Locks, when set, is held around each removal of published events
	// from a document. Only the embedded server needs it: see Locks.
	Locks *Locks
	// Logger receives failures; nil discards them.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	set := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	set(&o.PollInterval, DefaultPollInterval)
	set(&o.InitialBackoff, DefaultInitialBackoff)
	set(&o.MaxBackoff, DefaultMaxBackoff)
	set(&o.PublishTimeout, DefaultPublishTimeout)
	if o.Logger == nil {
		o.Logger = logging.Discard()
	}
	return o
}

// Relay publishes the outboxes of the documents of some collections.
//
// Each round reads the documents with outbox_pending set and publishes
// their events, several documents per Publish call and a document's events
// in order, then removes the published events from each document. Delivery
// is at least once: a relay stopping between publishing and removing, or a
// document saved from a copy read before the removal, publishes events
// again, and consumers absorb the copies.
//
// Order is kept per document: a document whose events fail to publish is
// retried after a backoff (held in the relay's memory) with its events in
// the same order, while other documents go on.
//
// Several relays may watch the same collections: they claim nothing, so a
// document's events may be published by more than one (copies), but each
// relay publishes a document's pending events oldest first and removes
// only what it published, so the first copy of each event still arrives in
// order. One relay per collection avoids the copies.
type Relay struct {
	colls   []*mongo.Collection
	pub     events.Publisher
	opts    Options
	backoff events.Retry
	rounds  *events.Rounds

	held map[string]hold // documents in backoff, by collection and _id; Run's own
}

// hold is a document whose events failed to publish.
type hold struct {
	attempts int
	until    time.Time
}

// NewRelay returns a relay publishing to pub the outboxes of the documents
// in colls. Start it with Run.
func NewRelay(pub events.Publisher, opts Options, colls ...*mongo.Collection) *Relay {
	opts = opts.withDefaults()
	r := &Relay{
		colls:   colls,
		pub:     pub,
		opts:    opts,
		backoff: events.Retry{InitialBackoff: opts.InitialBackoff, MaxBackoff: opts.MaxBackoff},
		held:    map[string]hold{},
	}
	r.rounds = events.NewRounds("mongo outbox relay", opts.PollInterval, r.backoff, opts.Logger)
	return r
}

// Notify wakes the relay to publish at once. Call it after a write that
// added events; it never blocks.
func (r *Relay) Notify() { r.rounds.Notify() }

// Run publishes until ctx is done, then returns nil. Failures are logged
// and retried, never returned. A second concurrent Run fails.
func (r *Relay) Run(ctx context.Context) error {
	return r.rounds.Run(ctx, func(ctx context.Context) (events.RoundResult, error) {
		out, err := r.round(ctx)
		var wakeAt time.Time
		for _, h := range r.held {
			if wakeAt.IsZero() || h.until.Before(wakeAt) {
				wakeAt = h.until
			}
		}
		return events.RoundResult{Sent: out.sent, Failed: out.failed, WakeAt: wakeAt}, err
	})
}

// Lag is the age of the oldest pending event (by its envelope time), zero
// when none is pending: the outbox lag to export as a metric.
func (r *Relay) Lag(ctx context.Context) (time.Duration, error) {
	var oldest time.Time
	for _, coll := range r.colls {
		err := r.eachPending(ctx, coll, func(d pendingDoc) error {
			for _, ev := range d.Events {
				if oldest.IsZero() || ev.Time.Before(oldest) {
					oldest = ev.Time
				}
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("outbox lag: %w", err)
		}
	}
	if oldest.IsZero() {
		return 0, nil
	}
	return max(time.Since(oldest), 0), nil
}

// pendingDoc is what the relay reads of a document.
type pendingDoc struct {
	ID     bson.RawValue `bson:"_id"`
	Outbox `bson:",inline"`
}

var projection = bson.D{{Key: "_id", Value: 1}, {Key: fieldEvents, Value: 1}, {Key: fieldPending, Value: 1}, {Key: fieldToken, Value: 1}}

func (r *Relay) eachPending(ctx context.Context, coll *mongo.Collection, fn func(pendingDoc) error) error {
	cur, err := coll.Find(ctx, bson.D{{Key: fieldPending, Value: true}}, options.Find().SetProjection(projection))
	if err != nil {
		return fmt.Errorf("find pending in %s: %w", coll.Name(), err)
	}
	defer cur.Close(context.WithoutCancel(ctx)) //nolint:errcheck // read-only cursor
	for cur.Next(ctx) {
		var d pendingDoc
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("decode pending document of %s: %w", coll.Name(), err)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return cur.Err()
}

// outcome is what one round did.
type outcome struct {
	sent   int
	failed bool
}

// item is a document of a batch.
type item struct {
	coll *mongo.Collection
	doc  pendingDoc
	key  string
}

func (r *Relay) round(ctx context.Context) (outcome, error) {
	var out outcome
	now := time.Now()
	seen := map[string]bool{}
	var batch []item
	size := 0
	flush := func() error {
		sent, failed, err := r.flush(ctx, batch)
		out.sent += sent
		out.failed = out.failed || failed
		batch, size = nil, 0
		return err
	}
	var errs []error
	for _, coll := range r.colls {
		err := r.eachPending(ctx, coll, func(d pendingDoc) error {
			k := coll.Name() + "\x00" + d.ID.String()
			seen[k] = true
			if h, ok := r.held[k]; ok && now.Before(h.until) {
				return nil
			}
			batch = append(batch, item{coll: coll, doc: d, key: k})
			if size += len(d.Events); size >= r.opts.BatchSize {
				return flush()
			}
			return nil
		})
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			errs = append(errs, err)
		}
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			errs = append(errs, err)
		}
	}
	for k := range r.held {
		if !seen[k] {
			delete(r.held, k) // published by someone else, or deleted
		}
	}
	return out, errors.Join(errs...)
}

// flush publishes the events of batch, all in one call, or, if that fails,
// document by document; two failures in a row end it. It removes from each
// document what was published and holds back the documents that failed.
func (r *Relay) flush(ctx context.Context, batch []item) (sent int, failed bool, err error) {
	var envs []events.Envelope
	for _, it := range batch {
		envs = append(envs, it.doc.Envelopes()...)
	}
	if len(envs) > 0 {
		err := r.send(ctx, envs...)
		if err == nil {
			return r.clearAll(ctx, batch)
		}
		if ctx.Err() != nil {
			return 0, false, ctx.Err()
		}
		if len(batch) == 1 {
			r.holdBack(ctx, batch[0], err)
			return 0, true, nil
		}
	}
	inARow := 0
	var errs []error
	for _, it := range batch {
		if err := r.send(ctx, it.doc.Envelopes()...); err != nil {
			if ctx.Err() != nil {
				return sent, failed, ctx.Err()
			}
			r.holdBack(ctx, it, err)
			failed = true
			if inARow++; inARow == 2 {
				break
			}
			continue
		}
		inARow = 0
		n, f, err := r.clearAll(ctx, []item{it})
		sent += n
		failed = failed || f
		if err != nil {
			errs = append(errs, err)
		}
	}
	return sent, failed, errors.Join(errs...)
}

func (r *Relay) send(ctx context.Context, envs ...events.Envelope) error {
	if len(envs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.PublishTimeout)
	defer cancel()
	return r.pub.Publish(ctx, envs...)
}

func (r *Relay) holdBack(ctx context.Context, it item, err error) {
	h := r.held[it.key]
	h.attempts++
	wait := r.backoff.Backoff(h.attempts)
	h.until = time.Now().Add(wait)
	r.held[it.key] = h
	attrs := []any{"collection", it.coll.Name(), "document", it.doc.ID.String(), "attempt", h.attempts, "retry_in", wait, "err", err}
	if len(it.doc.Events) > 0 {
		ev := it.doc.Events[0]
		attrs = append(attrs, "event_id", ev.ID, "event_type", ev.Type)
	}
	r.opts.Logger.WarnContext(ctx, "outbox events not published, will retry", attrs...)
}

// clearAll removes the published events from each document of batch.
func (r *Relay) clearAll(ctx context.Context, batch []item) (sent int, failed bool, err error) {
	var errs []error
	for _, it := range batch {
		delete(r.held, it.key)
		if err := r.clear(ctx, it.coll, it.doc); err != nil {
			if ctx.Err() != nil {
				return sent, failed, ctx.Err()
			}
			errs = append(errs, err)
			failed = true
			continue
		}
		sent += len(it.doc.Events)
	}
	return sent, failed, errors.Join(errs...)
}

// clearAttempts bounds how often clear re-reads a document that keeps
// changing under it; past that, the next round publishes its events again.
const clearAttempts = 5

// clear removes the events of d, which were just published, from the
// document: a $set of the events that remain, filtered on the token read
// with them. If the outbox changed meanwhile, it reads it again and
// removes the published events from what it finds.
func (r *Relay) clear(ctx context.Context, coll *mongo.Collection, d pendingDoc) error {
	published := make(map[string]bool, len(d.Events))
	for _, ev := range d.Events {
		published[ev.ID] = true
	}
	token, current := d.Token, d.Events
	for range clearAttempts {
		remaining := make([]Event, 0, len(current))
		for _, ev := range current {
			if !published[ev.ID] {
				remaining = append(remaining, ev)
			}
		}
		if len(current) > 0 && len(remaining) == len(current) {
			return nil // none of them is left to remove
		}
		set := bson.D{
			{Key: fieldEvents, Value: remaining},
			{Key: fieldPending, Value: len(remaining) > 0},
			{Key: fieldToken, Value: newToken()},
		}
		unlock, err := r.opts.Locks.Lock(coll, d.ID)
		if err != nil {
			return err
		}
		res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: fieldToken, Value: token}}, bson.D{{Key: "$set", Value: set}})
		unlock()
		if err != nil {
			return fmt.Errorf("remove published events from %s %s: %w", coll.Name(), d.ID, err)
		}
		if res.MatchedCount > 0 {
			return nil
		}
		var now pendingDoc
		err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, options.FindOne().SetProjection(projection)).Decode(&now)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reread %s %s: %w", coll.Name(), d.ID, err)
		}
		token, current = now.Token, now.Events
	}
	return fmt.Errorf("%s %s kept changing: its published events will be published again", coll.Name(), d.ID)
}
