// Package mongoevents is the outbox and the inbox of the Mongo subgraphs,
// kept to what behaves the same on MongoDB and on the embedded server,
// which has no multi-document transactions (design/STORES.md).
//
// Outbox: a document carries the events about it that are not published
// yet, in its own fields (embed Outbox), so the change and its events are
// one single-document write. A Relay finds documents whose outbox_pending
// flag is set (a scalar filter, never an array one), publishes their
// events in order, and then removes exactly those from the outbox with a
// $set of what remains, filtered on the outbox token it read: any write
// that adds events gives the outbox a new token, so a removal never erases
// an event the relay has not published. No conditional $pull, no
// positional operator, no array filter.
//
// Both rely on MongoDB applying a filtered single-document write
// atomically. The embedded server does not (it matches, then writes by
// _id), so there the relay and the stores serialise their writes to a
// document with one Locks, which dev mode can do as it is one process.
//
// Inbox: with no transaction spanning a document and an inbox collection,
// the memory of handled events lives in the document the handler changes
// (embed Inbox): the handler loads the document, returns at once if the
// event id is in it, else applies the event, records the id and saves by
// replace on {_id, version}; a concurrent change makes the replace match
// nothing and the handler fails, so the bus delivers the event again.
package mongoevents

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/platterhq/platter/internal/events"
)

// MaxPending is the most events a document's outbox holds. Add refuses
// more with ErrOutboxFull: a document keeps growing while the relay cannot
// publish, and MongoDB caps a document at 16 MB.
const MaxPending = 1000

// ErrOutboxFull is wrapped by Add when the outbox holds MaxPending events.
var ErrOutboxFull = errors.New("document outbox is full")

// Field names of Outbox in a document.
const (
	fieldEvents  = "outbox"
	fieldPending = "outbox_pending"
	fieldToken   = "outbox_token"
)

// Outbox holds a document's unpublished events. Embed it inline in the
// document type and add events with Add before saving the document:
//
//	type orderDoc struct {
//		ID      string `bson:"_id"`
//		Version int64  `bson:"version"`
//		...
//		mongoevents.Outbox `bson:",inline"`
//	}
//
// Every field is written by whole-document saves as it was read, so a
// document saved from a copy loaded before the relay removed some events
// puts them back; they are published again, and consumers' inboxes absorb
// the copies.
type Outbox struct {
	// Events are the pending events, oldest first.
	Events []Event `bson:"outbox,omitempty"`
	// Pending is set while Events is not empty: what the relay looks for.
	Pending bool `bson:"outbox_pending,omitempty"`
	// Token changes with every write that adds events and every removal
	// by the relay; a removal is filtered on the token it read.
	Token string `bson:"outbox_token,omitempty"`
}

// Event is an events.Envelope as a document stores it.
type Event struct {
	ID            string    `bson:"id"`
	Type          string    `bson:"type"`
	Source        string    `bson:"source"`
	Time          time.Time `bson:"time"`
	Subject       string    `bson:"subject"`
	CorrelationID string    `bson:"correlation_id"`
	// Data is the JSON payload as text, so it reads back byte for byte.
	Data string `bson:"data"`
}

// Envelope returns the envelope ev stores. BSON keeps milliseconds, as
// events.New does.
func (ev Event) Envelope() events.Envelope {
	return events.Envelope{
		ID: ev.ID, Type: ev.Type, Source: ev.Source, Time: ev.Time.UTC(),
		Subject: ev.Subject, CorrelationID: ev.CorrelationID, Data: []byte(ev.Data),
	}
}

// Add appends envs to the outbox, to be written with the rest of the
// document. An invalid envelope fails the call (wrapping events.ErrInvalid)
// and adds nothing; so does going over MaxPending (ErrOutboxFull).
func (o *Outbox) Add(envs ...events.Envelope) error {
	if len(envs) == 0 {
		return nil
	}
	if n := len(o.Events) + len(envs); n > MaxPending {
		return fmt.Errorf("%w: %d events would be pending, at most %d", ErrOutboxFull, n, MaxPending)
	}
	evs, err := toEvents(envs)
	if err != nil {
		return err
	}
	o.Events = append(o.Events, evs...)
	o.Pending = true
	o.Token = newToken()
	return nil
}

// Envelopes returns the pending events as envelopes.
func (o Outbox) Envelopes() []events.Envelope {
	out := make([]events.Envelope, len(o.Events))
	for i, ev := range o.Events {
		out[i] = ev.Envelope()
	}
	return out
}

// Push adds to update, an update document such as
// bson.D{{"$set", bson.D{...}}, {"$inc", ...}}, the operators that append
// envs to the outbox of the document it changes: $push with $each, and a
// $set of the pending flag and a new token. It returns the combined update
// and leaves update unchanged. Push cannot check MaxPending: prefer Add
// with a versioned replace for documents that may gather many events.
func Push(update bson.D, envs ...events.Envelope) (bson.D, error) {
	evs, err := toEvents(envs)
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return update, nil
	}
	out := slices.Clone(update)
	if out, err = merge(out, "$push", bson.E{Key: fieldEvents, Value: bson.D{{Key: "$each", Value: evs}}}); err != nil {
		return nil, err
	}
	return merge(out, "$set", bson.E{Key: fieldPending, Value: true}, bson.E{Key: fieldToken, Value: newToken()})
}

// merge adds fields to the operator op of update.
func merge(update bson.D, op string, fields ...bson.E) (bson.D, error) {
	for i, e := range update {
		if e.Key != op {
			continue
		}
		var have bson.D
		switch v := e.Value.(type) {
		case bson.D:
			have = slices.Clone(v)
		case bson.M:
			for k, val := range v {
				have = append(have, bson.E{Key: k, Value: val})
			}
		default:
			return nil, fmt.Errorf("update operator %s is a %T, want bson.D or bson.M", op, e.Value)
		}
		for _, f := range fields {
			if slices.ContainsFunc(have, func(h bson.E) bool { return h.Key == f.Key }) {
				return nil, fmt.Errorf("update already has %s of %s", op, f.Key)
			}
		}
		update[i].Value = append(have, fields...)
		return update, nil
	}
	return append(update, bson.E{Key: op, Value: bson.D(fields)}), nil
}

func toEvents(envs []events.Envelope) ([]Event, error) {
	evs := make([]Event, len(envs))
	for i, e := range envs {
		if err := e.Validate(); err != nil {
			return nil, err
		}
		evs[i] = Event{
			ID: e.ID, Type: e.Type, Source: e.Source, Time: e.Time.UTC(),
			Subject: e.Subject, CorrelationID: e.CorrelationID, Data: string(e.Data),
		}
	}
	return evs, nil
}

func newToken() string { return uuid.NewString() }
