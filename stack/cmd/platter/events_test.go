package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/rabbitmq"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
)

// A dead-lettered event shows in `events dlq list` and comes back to its
// subscriber with `events dlq replay -id`.
func TestEventsDLQListAndReplay(t *testing.T) {
	url := testenv.RabbitMQ(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bus, err := rabbitmq.New(ctx, url, rabbitmq.WithLogger(logging.Discard()))
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	subscriber := testenv.Name("dlqcli")
	t.Cleanup(func() { deleteQueues(t, url, subscriber+".events", subscriber+".events.dlq") })
	var calls atomic.Int32
	handled := make(chan struct{}, 1)
	if err := bus.Subscribe(ctx, subscriber, func(ctx context.Context, e events.Envelope) error {
		if calls.Add(1) == 1 {
			return events.Permanent(errors.New("cannot handle this yet"))
		}
		handled <- struct{}{}
		return nil
	}, events.CustomerDeleted); err != nil {
		t.Fatal(err)
	}
	e, err := events.New(ctx, "customer", events.CustomerDeleted, "c1", events.CustomerDeletedData{CustomerID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Publish(ctx, e); err != nil {
		t.Fatal(err)
	}
	env := config.MapEnv(map[string]string{"AMQP_URL": url})

	var out bytes.Buffer
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(out.String(), e.ID) {
		if time.Now().After(deadline) {
			t.Fatalf("the event never showed in the dead letters: %s", out.String())
		}
		out.Reset()
		if err := run(ctx, []string{"events", "dlq", "list", "-subscriber", subscriber}, env, &out); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "cannot handle this yet") {
		t.Fatalf("the reason is missing: %s", out.String())
	}

	out.Reset()
	if err := run(ctx, []string{"events", "dlq", "replay", "-subscriber", subscriber, "-id", e.ID}, env, &out); err != nil {
		t.Fatal(err)
	}
	select {
	case <-handled:
	case <-time.After(15 * time.Second):
		t.Fatal("the replayed event never reached its subscriber")
	}
	if err := run(ctx, []string{"events", "dlq", "replay", "-subscriber", subscriber, "-id", "no-such-id"}, env, &bytes.Buffer{}); err == nil {
		t.Fatal("replaying an unknown id succeeded")
	}
	for _, bad := range [][]string{
		{"events", "dlq", "list"},
		{"events", "dlq", "replay", "-subscriber", subscriber},
		{"events", "dlq", "replay", "-subscriber", subscriber, "-id", "x", "-all"},
	} {
		if err := run(ctx, bad, env, &bytes.Buffer{}); err == nil {
			t.Fatalf("%v: want an error", bad)
		}
	}
	if err := run(ctx, []string{"events", "dlq", "list", "-subscriber", subscriber}, config.MapEnv(nil), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "AMQP_URL") {
		t.Fatalf("without AMQP_URL: %v", err)
	}
}

// deleteQueues removes what the test declared on the shared broker.
func deleteQueues(t *testing.T, url string, names ...string) {
	if err := rabbitmq.DeleteNames(url, names, nil); err != nil {
		t.Errorf("clean up queues: %v", err)
	}
}
