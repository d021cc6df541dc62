package main

import (
	"slices"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
)

// Without a vhost of its own, the bench deletes at the end only the broker
// names that did not exist before it started.
func TestBrokerCleanupDeletesOnlyWhatWasMissing(t *testing.T) {
	url := testenv.RabbitMQ(t)
	existing, created := testenv.Name("bench_existing"), testenv.Name("bench_created")
	exchange := testenv.Name("bench_exchange")
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	// Closed after the queue's clean-up below: cleanups run last first.
	t.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare(existing, false, true, false, false, nil); err != nil {
		t.Fatal(err)
	}
	// An auto-delete queue no one ever consumed stays until deleted.
	t.Cleanup(func() {
		if _, err := ch.QueueDelete(existing, false, false, false); err != nil {
			t.Errorf("delete queue %s: %v", existing, err)
		}
	})

	missingQ, missingX, err := missingNames(url, []string{existing, created}, []string{exchange})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(missingQ, []string{created}) || !slices.Equal(missingX, []string{exchange}) {
		t.Fatalf("missing queues %v, exchanges %v; want [%s] and [%s]", missingQ, missingX, created, exchange)
	}

	// The run declares them, then cleans up.
	if _, err := ch.QueueDeclare(created, false, true, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.ExchangeDeclare(exchange, "topic", false, true, false, false, nil); err != nil {
		t.Fatal(err)
	}
	deleteNames(url, missingQ, missingX, logging.Discard())

	missingQ, missingX, err = missingNames(url, []string{existing, created}, []string{exchange})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(missingQ, []string{created}) || !slices.Equal(missingX, []string{exchange}) {
		t.Errorf("after cleanup, missing queues %v, exchanges %v; want only what the run created gone", missingQ, missingX)
	}
}
