package rabbitmq

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the bus's Prometheus collectors. Event types make a bounded
// label set (the catalogue), so they label the counters.
type metrics struct {
	published, confirmed, returned, nacked *prometheus.CounterVec // by type
	consumed, retried, deadLettered        *prometheus.CounterVec // by subscriber, type
	skipped, dropped                       *prometheus.CounterVec // by subscriber, type
	redelivered, replayed                  *prometheus.CounterVec // by subscriber
	reconnects                             *prometheus.CounterVec // by connection
	connected                              *prometheus.GaugeVec   // by connection
}

func newMetrics(r prometheus.Registerer) *metrics {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return register(r, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "platter", Subsystem: "events", Name: name, Help: help,
		}, labels))
	}
	return &metrics{
		published:    counter("published_total", "Events sent to the broker.", "type"),
		confirmed:    counter("confirmed_total", "Events the broker confirmed.", "type"),
		returned:     counter("returned_total", "Events the broker returned as unroutable: no queue bound to the type.", "type"),
		nacked:       counter("nacked_total", "Events the broker refused (nack).", "type"),
		consumed:     counter("consumed_total", "Events handled and acknowledged.", "subscriber", "type"),
		retried:      counter("retried_total", "Handler failures followed by another attempt.", "subscriber", "type"),
		deadLettered: counter("dead_lettered_total", "Events given up and moved to the dead-letter queue.", "subscriber", "type"),
		skipped:      counter("skipped_total", "Events acknowledged unhandled because no current pattern of the subscriber matches them.", "subscriber", "type"),
		dropped:      counter("broadcast_dropped_total", "Broadcast events whose handler failed.", "subscriber", "type"),
		redelivered:  counter("redelivered_total", "Deliveries flagged as redelivered by the broker.", "subscriber"),
		replayed:     counter("replayed_total", "Dead letters moved back to their queue.", "subscriber"),
		reconnects:   counter("reconnects_total", "Connections lost and re-established.", "connection"),
		connected: register(r, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "platter", Subsystem: "events", Name: "connected",
			Help: "1 while the connection to the broker is up.",
		}, []string{"connection"})),
	}
}

// register registers c with r, or returns the collector already registered
// under the same description, so that several buses share one registry.
func register[C prometheus.Collector](r prometheus.Registerer, c C) C {
	if r == nil {
		return c
	}
	if err := r.Register(c); err != nil {
		if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}
