// Package events is how Platter's subgraphs tell each other what happened:
// the envelope every event travels in, the catalogue of event types (one
// file per producing subgraph), and the bus interfaces with an in-memory
// implementation for the one-process dev mode.
//
// Delivery is at least once. A handler acknowledges an event by returning
// nil; an error (or a panic) means "try again later", up to a bounded number
// of attempts, after which the event is dead-lettered. Handlers must
// therefore be idempotent, keyed on Envelope.ID.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/logging"
)

// ErrInvalid is wrapped by every error about a malformed envelope.
var ErrInvalid = errors.New("invalid event envelope")

// Envelope is one event as it travels between subgraphs. The JSON attribute
// names follow CloudEvents.
type Envelope struct {
	// ID is a UUID, unique per event; consumers deduplicate on it.
	ID string `json:"id"`
	// Type is <subgraph>.<entity>.<verb-past>.v<N>, e.g.
	// shopping.order.placed.v1; it is also the routing key.
	Type string `json:"type"`
	// Source is the subgraph that produced the event, the first word of Type.
	Source string `json:"source"`
	// Time is when the event happened, in UTC.
	Time time.Time `json:"time"`
	// Subject is the id of the entity the event is about.
	Subject string `json:"subject"`
	// CorrelationID ties together every event caused by one request.
	CorrelationID string `json:"correlation_id"`
	// Data is the JSON payload; read it with Decode.
	Data json.RawMessage `json:"data"`
}

// New returns an envelope of type typ about subject, with a fresh id, the
// current time and data encoded as JSON. The correlation id is taken from
// ctx (logging.WithCorrelationID) so that events caused by a request or by
// another event carry its id; without one a new chain starts.
func New(ctx context.Context, source, typ, subject string, data any) (Envelope, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return Envelope{}, fmt.Errorf("event id: %w", err)
	}
	corr := logging.CorrelationID(ctx)
	if corr == "" {
		c, err := uuid.NewV7()
		if err != nil {
			return Envelope{}, fmt.Errorf("correlation id: %w", err)
		}
		corr = c.String()
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode %s data: %w", typ, err)
	}
	e := Envelope{
		ID:     id.String(),
		Type:   typ,
		Source: source,
		// Milliseconds survive every store the outbox uses (BSON dates
		// included), so an envelope reads back equal to what was written.
		Time:          time.Now().UTC().Truncate(time.Millisecond),
		Subject:       subject,
		CorrelationID: corr,
		Data:          raw,
	}
	if err := e.Validate(); err != nil {
		return Envelope{}, err
	}
	return e, nil
}

var (
	typePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v[1-9][0-9]*$`)
	wordPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Validate reports every problem with e in one error wrapping ErrInvalid.
func (e Envelope) Validate() error {
	var problems []string
	if u, err := uuid.Parse(e.ID); err != nil || u.String() != e.ID {
		problems = append(problems, fmt.Sprintf("id %q is not a lowercase UUID", e.ID))
	}
	if !typePattern.MatchString(e.Type) {
		problems = append(problems, fmt.Sprintf("type %q is not <subgraph>.<entity>.<verb_past>.v<N>", e.Type))
	}
	switch {
	case !wordPattern.MatchString(e.Source):
		problems = append(problems, fmt.Sprintf("source %q is not a subgraph name", e.Source))
	case typePattern.MatchString(e.Type) && !strings.HasPrefix(e.Type, e.Source+"."):
		// A subgraph publishes only its own events, so consumers can trust
		// the first word of a routing key to name the owner.
		problems = append(problems, fmt.Sprintf("source %q does not own type %q", e.Source, e.Type))
	}
	if e.Time.IsZero() {
		problems = append(problems, "time is missing")
	}
	if e.Subject == "" {
		problems = append(problems, "subject is missing")
	}
	if e.CorrelationID == "" {
		problems = append(problems, "correlation_id is missing")
	}
	if !json.Valid(e.Data) {
		problems = append(problems, "data is not JSON")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return nil
}

// Decode reads e's data as a T. Unknown fields are ignored so that a
// producer may add optional fields without a new version.
func Decode[T any](e Envelope) (T, error) {
	var v T
	if err := json.Unmarshal(e.Data, &v); err != nil {
		return v, fmt.Errorf("decode %s %s: %w", e.Type, e.ID, err)
	}
	return v, nil
}
