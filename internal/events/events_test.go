package events_test

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
)

func TestNew(t *testing.T) {
	ctx := logging.WithCorrelationID(t.Context(), "corr-1")
	before := time.Now()
	data := events.CustomerRegisteredData{CustomerID: "c-1", Email: "ada@example.com", Name: "Ada"}
	e, err := events.New(ctx, "customer", events.CustomerRegistered, "c-1", data)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if u, err := uuid.Parse(e.ID); err != nil || u.Version() != 7 {
		t.Errorf("id %q is not a UUIDv7", e.ID)
	}
	if e.Type != events.CustomerRegistered || e.Source != "customer" || e.Subject != "c-1" {
		t.Errorf("New = %+v", e)
	}
	if e.CorrelationID != "corr-1" {
		t.Errorf("correlation id %q, want the one in ctx", e.CorrelationID)
	}
	if e.Time.Location() != time.UTC || e.Time.Before(before.Truncate(time.Millisecond)) || e.Time.After(time.Now()) {
		t.Errorf("time %v is not now in UTC", e.Time)
	}
	if got, err := events.Decode[events.CustomerRegisteredData](e); err != nil || got != data {
		t.Errorf("Decode = %+v, %v; want %+v", got, err, data)
	}

	other, err := events.New(t.Context(), "customer", events.CustomerRegistered, "c-1", data)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if other.ID == e.ID {
		t.Error("two events share an id")
	}
	if other.CorrelationID == "" || other.CorrelationID == e.CorrelationID {
		t.Errorf("without one in ctx, correlation id %q should be new", other.CorrelationID)
	}
}

func TestNewRejects(t *testing.T) {
	cases := []struct {
		name                 string
		source, typ, subject string
		data                 any
		wantInvalid          bool
	}{
		{"type without version", "shopping", "shopping.order.placed", "o-1", nil, true},
		{"source not owning the type", "customer", events.OrderPlaced, "o-1", nil, true},
		{"no subject", "shopping", events.OrderPlaced, "", nil, true},
		{"data that is not JSON", "shopping", events.OrderPlaced, "o-1", make(chan int), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := events.New(t.Context(), tc.source, tc.typ, tc.subject, tc.data)
			if err == nil {
				t.Fatal("New succeeded")
			}
			if got := errors.Is(err, events.ErrInvalid); got != tc.wantInvalid {
				t.Errorf("errors.Is(%v, ErrInvalid) = %v", err, got)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	valid := mustNew(t, t.Context(), events.OrderPickedUp, "o-1", map[string]int{"n": 1})
	if err := valid.Validate(); err != nil {
		t.Fatalf("valid envelope: %v", err)
	}
	cases := []struct {
		name   string
		change func(*events.Envelope)
		want   string
	}{
		{"no id", func(e *events.Envelope) { e.ID = "" }, "id"},
		{"id not a UUID", func(e *events.Envelope) { e.ID = "order-1" }, "id"},
		{"id in upper case", func(e *events.Envelope) { e.ID = strings.ToUpper(e.ID) }, "id"},
		{"three-word type", func(e *events.Envelope) { e.Type = "shopping.order.v1" }, "type"},
		{"type version v0", func(e *events.Envelope) { e.Type = "shopping.order.placed.v0" }, "type"},
		{"type in camel case", func(e *events.Envelope) { e.Type = "shopping.order.pickedUp.v1" }, "type"},
		{"type with wildcard", func(e *events.Envelope) { e.Type = "shopping.order.*.v1" }, "type"},
		{"no source", func(e *events.Envelope) { e.Source = "" }, "source"},
		{"foreign source", func(e *events.Envelope) { e.Source = "vendor" }, "does not own"},
		{"no time", func(e *events.Envelope) { e.Time = time.Time{} }, "time"},
		{"no subject", func(e *events.Envelope) { e.Subject = "" }, "subject"},
		{"no correlation id", func(e *events.Envelope) { e.CorrelationID = "" }, "correlation_id"},
		{"no data", func(e *events.Envelope) { e.Data = nil }, "data"},
		{"broken data", func(e *events.Envelope) { e.Data = json.RawMessage(`{"n":`) }, "data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := valid
			tc.change(&e)
			err := e.Validate()
			if !errors.Is(err, events.ErrInvalid) {
				t.Fatalf("Validate = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %q", err, tc.want)
			}
		})
	}

	t.Run("every problem at once", func(t *testing.T) {
		err := events.Envelope{}.Validate()
		for _, field := range []string{"id", "type", "source", "time", "subject", "correlation_id", "data"} {
			if !strings.Contains(err.Error(), field) {
				t.Errorf("error %q does not name %s", err, field)
			}
		}
	})
}

func TestEnvelopeJSON(t *testing.T) {
	e := mustNew(t, t.Context(), events.CustomerDeleted, "c-1", events.CustomerDeletedData{CustomerID: "c-1"})
	raw, err := json.Marshal(e)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(raw, &attrs); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	want := []string{"correlation_id", "data", "id", "source", "subject", "time", "type"}
	if got := slices.Sorted(maps.Keys(attrs)); !slices.Equal(got, want) {
		t.Errorf("attributes %v, want %v", got, want)
	}
	var ts string
	if err := json.Unmarshal(attrs["time"], &ts); err != nil || !strings.HasSuffix(ts, "Z") {
		t.Errorf("time %s is not RFC 3339 UTC", attrs["time"])
	}
	if _, err := time.Parse(time.RFC3339, ts); err != nil {
		t.Errorf("time %s: %v", ts, err)
	}

	var back events.Envelope
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if !back.Time.Equal(e.Time) || back.ID != e.ID || string(back.Data) != string(e.Data) {
		t.Errorf("round trip: %+v, want %+v", back, e)
	}
	if err := back.Validate(); err != nil {
		t.Errorf("round trip: %v", err)
	}
}

func TestDecode(t *testing.T) {
	e := mustNew(t, t.Context(), events.CustomerUpdated, "c-1", map[string]any{
		"customer_id": "c-1", "email": "ada@example.com", "name": "Ada", "added_later": true,
	})
	got, err := events.Decode[events.CustomerUpdatedData](e)
	want := events.CustomerUpdatedData{CustomerID: "c-1", Email: "ada@example.com", Name: "Ada"}
	if err != nil || got != want {
		t.Errorf("Decode = %+v, %v; want %+v (unknown fields ignored)", got, err, want)
	}

	e.Data = json.RawMessage(`{"customer_id": 42}`)
	if _, err := events.Decode[events.CustomerDeletedData](e); err == nil || !strings.Contains(err.Error(), e.ID) {
		t.Errorf("Decode of a wrong shape: err = %v, want one naming the event", err)
	}
}
