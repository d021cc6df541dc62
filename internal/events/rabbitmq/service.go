package rabbitmq

import (
	"context"
	"time"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/httpserver"
)

// EventService is a subgraph service with events: Start publishes its
// outbox and subscribes its handlers on bus until ctx ends.
type EventService interface {
	httpserver.Service
	Start(ctx context.Context, bus events.Bus) error
	// OutboxLag is the age of the oldest event not published yet; nil
	// when the service publishes nothing.
	OutboxLag(ctx context.Context) (time.Duration, error)
}

// Attach connects svc to the broker at url as subscriber name and starts
// its events, with the bus's metrics and the outbox lag registered in
// env.Metrics. The returned service closes the broker connection after
// svc. Without a url, svc runs without events and env.Log says what that
// means for it (without). opts come after the bus's name, logger and
// metrics (tests add a prefix).
func Attach(ctx context.Context, env httpserver.Env, name, url string, svc EventService, without string, opts ...Option) (httpserver.Service, error) {
	if url == "" {
		env.Log.Warn("AMQP_URL is not set: " + without)
		return svc, nil
	}
	bus, err := New(ctx, url, append([]Option{WithName(name), WithLogger(env.Log), WithMetrics(env.Metrics)}, opts...)...)
	if err != nil {
		svc.Close()
		return nil, err
	}
	if err := svc.Start(ctx, bus); err != nil {
		_ = bus.Close()
		svc.Close()
		return nil, err
	}
	env.Metrics.MustRegister(httpserver.OutboxLagGauge(name, svc.OutboxLag))
	return httpserver.WithCloser(svc, func() { _ = bus.Close() }), nil
}
