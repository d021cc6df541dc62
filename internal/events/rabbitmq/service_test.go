package rabbitmq

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/internal/logging"
)

// eventService records what Attach does to it.
type eventService struct {
	http.Handler
	started chan events.Bus
	closed  bool
}

func (s *eventService) Start(ctx context.Context, bus events.Bus) error {
	s.started <- bus
	return bus.Subscribe(ctx, "attached", func(context.Context, events.Envelope) error { return nil }, "attached.thing.happened.v1")
}

func (s *eventService) OutboxLag(context.Context) (time.Duration, error) { return 2 * time.Second, nil }

func (s *eventService) Close() { s.closed = true }

func TestAttachStartsTheServiceOnTheBrokerWithMetrics(t *testing.T) {
	e := newEnv(t)
	e.bus() // its exchanges are the ones Attach's bus declares; teardown deletes them
	e.mu.Lock()
	e.queues = append(e.queues, e.prefix+"attached.events", e.prefix+"attached.events.dlq")
	e.mu.Unlock()
	reg := prometheus.NewRegistry()
	svc := &eventService{started: make(chan events.Bus, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	attached, err := Attach(ctx, httpserver.Env{Log: logging.Discard(), Metrics: reg}, "attached", e.url, svc, "unused", WithPrefix(e.prefix))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-svc.started:
	default:
		t.Fatal("Attach did not start the service's events")
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	if !names["platter_outbox_lag_seconds"] || !names["platter_events_connected"] {
		t.Fatalf("metrics registered: %v; want the outbox lag and the bus's", names)
	}
	cancel()
	attached.Close()
	if !svc.closed {
		t.Fatal("closing the attached service did not close the service")
	}
}

func TestAttachWithoutABrokerSaysWhatIsMissing(t *testing.T) {
	var log bytes.Buffer
	svc := &eventService{started: make(chan events.Bus, 1)}
	got, err := Attach(context.Background(), httpserver.Env{Log: logging.New(&log, logging.JSON, 0), Metrics: prometheus.NewRegistry()},
		"attached", "", svc, "attached events wait in the outbox")
	if err != nil || got != svc {
		t.Fatalf("Attach without a url: %v, %v; want the service itself", got, err)
	}
	if len(svc.started) != 0 {
		t.Fatal("events started without a broker")
	}
	if !strings.Contains(log.String(), "AMQP_URL is not set: attached events wait in the outbox") {
		t.Fatalf("log %q does not say what is missing", log.String())
	}
}
