package gcsstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
)

// Outbox keeps the asset events in the bucket until the bus confirms them:
//
//	outbox/<asset id>/1-uploaded.json   an event's envelope, as JSON
//	outbox/<asset id>/2-deleted.json
//
// Why this shape: cloudmanager's only durable store is the bucket, where
// each object write is atomic but no two writes are together, so an event
// cannot be written in one step with its change. It is written ahead of
// the change instead, and the relay publishes it only once the bucket
// shows the change made: an uploaded event once the asset's metadata
// exists, a deleted one once it is gone. A change that failed, or whose
// writer died before making it, leaves an event the bucket never confirms;
// the relay drops it after Grace. A record is removed only after the bus
// confirmed the publish, so a crash in between publishes it again with the
// same envelope id, which consumers deduplicate: at least once, nothing
// lost. (Redis, the other store at hand, is optional here, and a write to
// it is no more atomic with the bucket's.)
//
// The number in a record's name orders an asset's events; the relay
// publishes them in that order and stops at the first that is not due.
type Outbox struct {
	bucket *storage.BucketHandle
	opts   OutboxOptions
	wake   chan struct{}
	run    atomic.Bool
}

var _ asset.Outbox = (*Outbox)(nil)

// Defaults of OutboxOptions.
const (
	DefaultPollInterval   = 10 * time.Second
	DefaultGrace          = 10 * time.Minute
	DefaultInitialBackoff = 200 * time.Millisecond
	DefaultMaxBackoff     = 30 * time.Second
	DefaultPublishTimeout = 10 * time.Second
	// DefaultBatchSize bounds the events one Publish call carries.
	DefaultBatchSize = 100
)

// OutboxOptions tune the relay; zero fields take the defaults.
type OutboxOptions struct {
	// PollInterval is the longest the relay waits between two looks at the
	// outbox: it finds there what another replica or an earlier run left.
	// A change on this replica wakes it at once (Notify).
	PollInterval time.Duration
	// Grace is how long an event may wait for its change before it is
	// taken for one that never happened and dropped.
	Grace time.Duration
	// After a failed publish the relay waits InitialBackoff, doubling with
	// each further failure up to MaxBackoff. It never gives up.
	InitialBackoff, MaxBackoff time.Duration
	PublishTimeout             time.Duration
	BatchSize                  int
	// Logger receives failures and dropped events; nil discards them.
	Logger *slog.Logger
}

func (o OutboxOptions) withDefaults() OutboxOptions {
	set := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	set(&o.PollInterval, DefaultPollInterval)
	set(&o.Grace, DefaultGrace)
	set(&o.InitialBackoff, DefaultInitialBackoff)
	set(&o.MaxBackoff, DefaultMaxBackoff)
	set(&o.PublishTimeout, DefaultPublishTimeout)
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Logger == nil {
		o.Logger = logging.Discard()
	}
	return o
}

// Source is the producer named in cloudmanager's envelopes.
const Source = "cloudmanager"

const outboxPrefix = "outbox/"

// Record names, in the order an asset's events happen.
const (
	uploadedRecord = "1-uploaded.json"
	deletedRecord  = "2-deleted.json"
)

// NewOutbox returns the outbox in bucket.
func NewOutbox(bucket *storage.BucketHandle, opts OutboxOptions) *Outbox {
	return &Outbox{bucket: bucket, opts: opts.withDefaults(), wake: make(chan struct{}, 1)}
}

func (o *Outbox) RecordUploaded(ctx context.Context, a asset.Asset) error {
	return o.record(ctx, events.AssetUploaded, a, uploadedRecord)
}

func (o *Outbox) RecordDeleted(ctx context.Context, a asset.Asset) error {
	return o.record(ctx, events.AssetDeleted, a, deletedRecord)
}

// record writes the envelope unless one of its kind is pending for a
// already: that one, with its id, stands for both.
func (o *Outbox) record(ctx context.Context, typ string, a asset.Asset, name string) error {
	env, err := events.New(ctx, Source, typ, a.ID, events.AssetData{AssetID: a.ID, OwnerID: a.OwnerID, Purpose: string(a.Purpose)})
	if err != nil {
		return err
	}
	err = createJSON(ctx, o.bucket, outboxPrefix+a.ID+"/"+name, env)
	if apperr.CodeOf(err) == apperr.Conflict {
		return nil
	}
	return err
}

func (o *Outbox) Notify() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Run publishes the outbox's events on pub until ctx ends, then returns
// nil. Failures are logged and retried, never returned. A second
// concurrent Run fails.
//
// Several replicas each run a relay over the same bucket. They claim
// nothing, so an event may go out twice (a copy consumers absorb), but
// each relay publishes an asset's events in order.
func (o *Outbox) Run(ctx context.Context, pub events.Publisher) error {
	if !o.run.CompareAndSwap(false, true) {
		return errors.New("cloudmanager outbox relay is already running")
	}
	defer o.run.Store(false)
	backoff := events.Retry{InitialBackoff: o.opts.InitialBackoff, MaxBackoff: o.opts.MaxBackoff}
	failures := 0
	for {
		full, err := o.round(ctx, pub)
		if ctx.Err() != nil {
			return nil
		}
		var wait time.Duration
		switch {
		case err != nil:
			failures++
			wait = backoff.Backoff(failures)
			o.opts.Logger.WarnContext(ctx, "outbox relay failed; retrying", "error", err.Error(), "retry_in", wait.String())
		case full:
			failures = 0
			continue
		default:
			failures = 0
			wait = o.opts.PollInterval
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		case <-o.wake:
			// A change was made; while backing off the timer decides, so
			// that a stream of uploads does not hammer a failing bus.
			if err != nil {
				select {
				case <-ctx.Done():
				case <-t.C:
				}
			}
			t.Stop()
		}
	}
}

// pendingRecord is one listed record.
type pendingRecord struct {
	name    string
	assetID string
	kind    string // uploadedRecord or deletedRecord
	created time.Time
}

// round publishes what is due in one Publish call and removes it. It
// reports whether it filled a batch, so that more may be waiting.
func (o *Outbox) round(ctx context.Context, pub events.Publisher) (bool, error) {
	byAsset, order, err := o.list(ctx)
	if err != nil {
		return false, err
	}
	var due []pendingRecord
	for _, id := range order {
		if len(due) >= o.opts.BatchSize {
			break
		}
		recs := byAsset[id]
		for i, r := range recs {
			ok, err := o.isDue(ctx, r, recs[i+1:])
			if err != nil {
				return false, err
			}
			if !ok {
				break // the asset's later events wait for this one
			}
			due = append(due, r)
		}
	}
	if len(due) == 0 {
		return false, nil
	}
	envs := make([]events.Envelope, 0, len(due))
	for _, r := range due {
		var env events.Envelope
		if err := readJSON(ctx, o.bucket, r.name, "outbox record", &env); err != nil {
			return false, err
		}
		envs = append(envs, env)
	}
	pubCtx, cancel := context.WithTimeout(ctx, o.opts.PublishTimeout)
	err = pub.Publish(pubCtx, envs...)
	cancel()
	if err != nil {
		return false, fmt.Errorf("publish %d asset events: %w", len(envs), err)
	}
	for _, r := range due {
		// A record left behind is published again next round.
		if err := deleteObject(ctx, o.bucket, r.name); err != nil {
			return false, err
		}
	}
	return len(due) >= o.opts.BatchSize, nil
}

// isDue reports whether r's change is visible in the bucket. A record
// whose change has not come within Grace is dropped (and not due).
func (o *Outbox) isDue(ctx context.Context, r pendingRecord, later []pendingRecord) (bool, error) {
	exists, err := o.assetExists(ctx, r.assetID)
	if err != nil {
		return false, err
	}
	if r.kind == uploadedRecord && (exists || len(later) > 0) ||
		r.kind == deletedRecord && !exists {
		// An asset with a deletion pending was created first: its
		// uploaded event is due even though it is gone.
		return true, nil
	}
	if time.Since(r.created) < o.opts.Grace {
		return false, nil
	}
	o.opts.Logger.InfoContext(ctx, "dropping an asset event whose change never happened", "record", r.name)
	return false, deleteObject(ctx, o.bucket, r.name)
}

func (o *Outbox) assetExists(ctx context.Context, id string) (bool, error) {
	_, err := o.bucket.Object(ObjectName(id)).Attrs(ctx)
	switch {
	case errors.Is(err, storage.ErrObjectNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read asset %s: %w", id, err)
	}
	return true, nil
}

// list reads the outbox's records, grouped by asset in their order, the
// assets with the oldest record first.
func (o *Outbox) list(ctx context.Context) (map[string][]pendingRecord, []string, error) {
	q := &storage.Query{Prefix: outboxPrefix}
	if err := q.SetAttrSelection([]string{"Name", "Created"}); err != nil {
		return nil, nil, err
	}
	byAsset := map[string][]pendingRecord{}
	oldest := map[string]time.Time{}
	it := o.bucket.Objects(ctx, q)
	for {
		attrs, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("list the outbox: %w", err)
		}
		id, kind, ok := strings.Cut(strings.TrimPrefix(attrs.Name, outboxPrefix), "/")
		if !ok || kind != uploadedRecord && kind != deletedRecord {
			continue // not a record of this version
		}
		byAsset[id] = append(byAsset[id], pendingRecord{name: attrs.Name, assetID: id, kind: kind, created: attrs.Created})
		if t, seen := oldest[id]; !seen || attrs.Created.Before(t) {
			oldest[id] = attrs.Created
		}
	}
	order := make([]string, 0, len(byAsset))
	for id, recs := range byAsset {
		slices.SortFunc(recs, func(a, b pendingRecord) int { return strings.Compare(a.kind, b.kind) })
		order = append(order, id)
	}
	slices.SortFunc(order, func(a, b string) int {
		if c := oldest[a].Compare(oldest[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return byAsset, order, nil
}

// Pending counts the events waiting in the outbox: for tests and metrics.
func (o *Outbox) Pending(ctx context.Context) (int, error) {
	byAsset, _, err := o.list(ctx)
	n := 0
	for _, recs := range byAsset {
		n += len(recs)
	}
	return n, err
}

// Lag is the age of the oldest record in the outbox, zero when it is
// empty: the outbox lag to export as a metric.
func (o *Outbox) Lag(ctx context.Context) (time.Duration, error) {
	byAsset, order, err := o.list(ctx)
	if err != nil || len(order) == 0 {
		return 0, err
	}
	return max(time.Since(byAsset[order[0]][0].created), 0), nil
}
