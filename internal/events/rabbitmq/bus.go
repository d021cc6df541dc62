// Package rabbitmq is the events.Bus of services mode, on RabbitMQ.
//
// Topology, declared idempotently at start and after every reconnect:
//
//	platter.events         durable topic exchange; routing key = event type
//	platter.events.dlx     durable direct exchange for dead letters
//	<subscriber>.events    durable quorum queue per subscriber, bound to its
//	                       patterns, dead-lettering to <subscriber>.events.dlq
//	                       and with a delivery limit
//	<subscriber>.events.dlq  durable quorum queue bound to the DLX
//	amq.gen-…              exclusive auto-delete queue per process and
//	                       SubscribeBroadcast call, for live fan-out
//
// Semantics are those of events.MemoryBus, which the conformance suite
// checks on both: a subscriber's events are handled one at a time in queue
// order (with SubscribeConcurrent, one at a time and in order per subject,
// on lanes by subject hash, each delivery acknowledged on its own); a
// failed event is retried in place after the Retry backoff, so
// order holds and it cannot starve, and after Retry.MaxAttempts attempts
// (at once for events.Permanent errors and undecodable bodies) it goes to
// the subscriber's dead-letter queue with the reason and the attempt count,
// and the queue moves on. Retrying in place, instead of nack-and-requeue,
// is deliberate; see consume.go for why.
//
// amqp091-go reconnects only when asked to (Config.Recovery, off by
// default); the Bus does it itself, so that it decides what is redeclared,
// how consumers resume and what becomes of a publish whose confirm was lost
// with the connection. It supervises two connections (one to publish, one
// to consume, so that flow control on publishers never stalls
// acknowledgements), reconnects with exponential backoff and jitter,
// redeclares the topology and resumes every consumer. Publish waits,
// bounded by its ctx, for the connection to come back.
//
// Publishing is mandatory: an event no queue is bound to comes back from
// the broker, and is logged and counted (an error with WithStrictRouting).
package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
)

var (
	_ events.Bus                  = (*Bus)(nil)
	_ events.ConcurrentSubscriber = (*Bus)(nil)
	_ events.BatchSubscriber      = (*Bus)(nil)
)

// Defaults of the options.
const (
	DefaultExchange       = "platter.events"
	DefaultDeliveryLimit  = 20
	DefaultPrefetch       = 128
	DefaultConfirmTimeout = 30 * time.Second
	// DefaultBroadcastMaxLength bounds a broadcast queue: live views only
	// care about recent events, so the oldest are dropped first.
	DefaultBroadcastMaxLength = 10_000
)

// Option configures a Bus.
type Option func(*config)

type config struct {
	name               string
	exchange           string
	prefix             string
	retry              events.Retry
	deliveryLimit      int
	prefetch           int
	confirmTimeout     time.Duration
	log                *slog.Logger
	registerer         prometheus.Registerer
	singleActive       bool
	strictRouting      bool
	broadcastMaxLength int
	minBackoff         time.Duration
	maxBackoff         time.Duration
}

// WithName sets the name the broker shows for the bus's connections
// (rabbitmqctl list_connections name), e.g. the subgraph's; default
// "platter".
func WithName(name string) Option { return func(c *config) { c.name = name } }

// WithExchange sets the topic exchange; the dead-letter exchange is named
// after it with ".dlx". Default DefaultExchange.
func WithExchange(name string) Option { return func(c *config) { c.exchange = name } }

// WithPrefix prefixes every exchange and queue name, so that tests (or
// several environments on one vhost) do not see each other's events.
func WithPrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// WithRetry sets the retry policy of every subscription; zero fields take
// the events package defaults.
func WithRetry(r events.Retry) Option { return func(c *config) { c.retry = r } }

// WithDeliveryLimit sets x-delivery-limit on subscriber queues: how many
// times the broker redelivers a message (after a crash or a lost
// connection) before dead-lettering it with reason delivery_limit. It is
// the backstop for a handler that kills its process, not the retry policy.
// Changing it for an existing queue makes its declaration fail: the broker
// refuses to redeclare a queue with other arguments.
func WithDeliveryLimit(n int) Option { return func(c *config) { c.deliveryLimit = n } }

// WithPrefetch sets how many unacknowledged messages a subscription holds
// (default DefaultPrefetch); prefetch hides the broker round trip. A
// subscription with several lanes (SubscribeConcurrent) holds at least 32
// per lane, so that every lane finds work waiting.
func WithPrefetch(n int) Option { return func(c *config) { c.prefetch = n } }

// WithConfirmTimeout bounds the wait for the broker's confirms of one
// Publish call (and of each dead-letter or replay copy).
func WithConfirmTimeout(d time.Duration) Option { return func(c *config) { c.confirmTimeout = d } }

// WithLogger sets the logger; default none.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithMetrics registers the bus's Prometheus collectors with r; nil (the
// default) registers nothing. Buses sharing a registerer share collectors.
func WithMetrics(r prometheus.Registerer) Option { return func(c *config) { c.registerer = r } }

// WithSingleActiveConsumer sets x-single-active-consumer on subscriber
// queues (default true): of the replicas of a subgraph consuming one queue
// only one receives at a time, so events keep their order across replicas;
// the others take over when it goes away. Like every queue argument it
// cannot change once the queue exists.
func WithSingleActiveConsumer(on bool) Option { return func(c *config) { c.singleActive = on } }

// WithStrictRouting makes an event that no queue is bound to fail its
// Publish with ErrUnroutable. By default the broker's return is only logged
// (at error level) and counted in returned_total, as events.Publisher
// promises: a producer does not know its consumers, and an event type
// nobody subscribes to yet must not stall an outbox relay forever. Strict
// routing suits tests and deployments that want every published type
// consumed.
func WithStrictRouting() Option { return func(c *config) { c.strictRouting = true } }

// WithBroadcastMaxLength bounds each broadcast queue; 0 means unbounded.
func WithBroadcastMaxLength(n int) Option { return func(c *config) { c.broadcastMaxLength = n } }

// WithReconnectBackoff sets the first and the longest wait between
// reconnection attempts (defaults 100ms and 10s); each wait is jittered.
func WithReconnectBackoff(first, longest time.Duration) Option {
	return func(c *config) { c.minBackoff, c.maxBackoff = first, longest }
}

func (c *config) check() error {
	var errs []error
	if c.exchange == "" {
		errs = append(errs, errors.New("empty exchange name"))
	}
	if c.deliveryLimit < 1 {
		errs = append(errs, fmt.Errorf("delivery limit %d: must be at least 1", c.deliveryLimit))
	}
	if c.prefetch < 1 || c.prefetch > 65535 {
		errs = append(errs, fmt.Errorf("prefetch %d: must be 1..65535", c.prefetch))
	}
	if c.confirmTimeout <= 0 {
		errs = append(errs, fmt.Errorf("confirm timeout %v: must be positive", c.confirmTimeout))
	}
	if c.broadcastMaxLength < 0 {
		errs = append(errs, fmt.Errorf("broadcast max length %d: must not be negative", c.broadcastMaxLength))
	}
	if c.minBackoff <= 0 || c.maxBackoff < c.minBackoff {
		errs = append(errs, fmt.Errorf("reconnect backoff %v..%v: must be positive and ordered", c.minBackoff, c.maxBackoff))
	}
	return errors.Join(errs...)
}

func (c *config) exchangeName() string { return c.prefix + c.exchange }
func (c *config) dlxName() string      { return c.prefix + c.exchange + ".dlx" }

// queueName is the queue of subscriber; it is also the routing key of its
// dead letters on the DLX.
func (c *config) queueName(subscriber string) string { return c.prefix + subscriber + ".events" }
func (c *config) dlqName(subscriber string) string   { return c.queueName(subscriber) + ".dlq" }

// Bus is an events.Bus on RabbitMQ. It is safe for concurrent use.
type Bus struct {
	cfg     config
	log     *slog.Logger
	metrics *metrics

	// Subscriptions stop (subsCtx) before the connections close (linkCtx),
	// so a handler that finishes during Close still gets its ack out.
	subsCtx    context.Context
	stopSubs   context.CancelFunc
	linkCtx    context.Context
	stopLinks  context.CancelFunc
	subsWG     sync.WaitGroup
	linksWG    sync.WaitGroup
	pub, cons  *link
	closedOnce sync.Once

	mu       sync.Mutex
	closed   bool
	subs     map[string]*subscription // by subscriber, or "broadcast:"+name
	declared map[string]bool          // queues this bus declared, by name
}

// New connects to the broker at url, declares the exchanges and returns the
// bus. It keeps trying, with backoff, until the broker answers or ctx ends;
// refused credentials fail at once.
func New(ctx context.Context, url string, opts ...Option) (*Bus, error) {
	cfg := config{
		name:               "platter",
		exchange:           DefaultExchange,
		deliveryLimit:      DefaultDeliveryLimit,
		prefetch:           DefaultPrefetch,
		confirmTimeout:     DefaultConfirmTimeout,
		singleActive:       true,
		broadcastMaxLength: DefaultBroadcastMaxLength,
		minBackoff:         100 * time.Millisecond,
		maxBackoff:         10 * time.Second,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("rabbitmq bus: %w", err)
	}
	if cfg.log == nil {
		cfg.log = logging.Discard()
	}
	b := &Bus{
		cfg:      cfg,
		log:      cfg.log,
		metrics:  newMetrics(cfg.registerer),
		subs:     map[string]*subscription{},
		declared: map[string]bool{},
	}
	b.subsCtx, b.stopSubs = context.WithCancel(context.Background())
	b.linkCtx, b.stopLinks = context.WithCancel(context.Background())
	b.pub = newLink(b, "publish", url, b.setupPublisher)
	b.cons = newLink(b, "consume", url, b.setupConsumer)
	for _, l := range []*link{b.pub, b.cons} {
		if err := l.start(ctx); err != nil {
			b.stopSubs()
			b.stopLinks()
			b.linksWG.Wait()
			return nil, fmt.Errorf("rabbitmq bus: %w", err)
		}
	}
	return b, nil
}

// Close stops every subscription, waits for running handlers to return,
// then closes the connections. Unacknowledged messages go back to their
// queues. Later calls to Publish and Subscribe fail with events.ErrClosed.
func (b *Bus) Close() error {
	b.closedOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		b.stopSubs()
		b.subsWG.Wait()
		b.stopLinks()
		b.linksWG.Wait()
	})
	return nil
}

func (b *Bus) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// noteDeclared remembers a queue this bus declared, for teardown in tests.
func (b *Bus) noteDeclared(queues ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, q := range queues {
		b.declared[q] = true
	}
}
