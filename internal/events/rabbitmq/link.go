package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/platterhq/platter/internal/events"
)

// session is one live connection and what was set up on it. It is
// replaced, never repaired: once done is closed, the link makes a new one.
type session struct {
	conn *amqp.Connection
	// ch is the publisher's confirm channel (nil on the consuming link).
	ch      *amqp.Channel
	returns *returnTracker

	done chan struct{} // closed when conn (or ch) is closed
	err  error         // why, readable once done is closed
}

func (s *session) isDone() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// link supervises one AMQP connection: it dials, runs setup, and when the
// connection or the session's channel closes it dials again, with backoff,
// until the bus closes.
type link struct {
	b     *Bus
	role  string
	url   string
	setup func(*session) error

	mu      sync.Mutex
	cur     *session      // nil while reconnecting
	changed chan struct{} // closed, and replaced, whenever cur changes
}

func newLink(b *Bus, role, url string, setup func(*session) error) *link {
	return &link{b: b, role: role, url: url, setup: setup, changed: make(chan struct{})}
}

// start makes the first session, retrying until ctx ends, and then
// supervises the connection in the background.
func (l *link) start(ctx context.Context) error {
	s, err := l.connect(ctx, true)
	if err != nil {
		return err
	}
	l.set(s)
	l.b.linksWG.Add(1)
	go l.supervise(s)
	return nil
}

// session returns a live session, waiting for one while reconnecting.
func (l *link) session(ctx context.Context) (*session, error) {
	for {
		l.mu.Lock()
		s, changed := l.cur, l.changed
		l.mu.Unlock()
		if s != nil && !s.isDone() {
			return s, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-l.b.linkCtx.Done():
			return nil, events.ErrClosed
		}
	}
}

func (l *link) set(s *session) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cur = s
	close(l.changed)
	l.changed = make(chan struct{})
	connected := 0.0
	if s != nil {
		connected = 1
	}
	l.b.metrics.connected.WithLabelValues(l.role).Set(connected)
}

func (l *link) supervise(s *session) {
	defer l.b.linksWG.Done()
	ctx := l.b.linkCtx
	for {
		select {
		case <-s.done:
		case <-ctx.Done():
			l.set(nil)
			_ = s.conn.Close()
			return
		}
		l.set(nil)
		_ = s.conn.Close() // when only the channel failed
		l.b.metrics.reconnects.WithLabelValues(l.role).Inc()
		l.b.log.WarnContext(ctx, "rabbitmq connection lost, reconnecting", "connection", l.role, "err", s.err)
		next, err := l.connect(ctx, false)
		if err != nil {
			return // the bus is closing
		}
		l.b.log.InfoContext(ctx, "rabbitmq connection restored", "connection", l.role)
		l.set(next)
		s = next
	}
}

// connect dials and sets up a session, retrying with backoff until ctx
// ends. At start (first) refused credentials are final: retrying cannot
// fix a configuration error, and the caller should hear of it at once.
func (l *link) connect(ctx context.Context, first bool) (*session, error) {
	for attempt := 0; ; attempt++ {
		s, err := l.dial()
		if err == nil {
			return s, nil
		}
		if ae, ok := errors.AsType[*amqp.Error](err); first && ok &&
			(ae.Code == amqp.AccessRefused || ae.Code == amqp.NotAllowed) {
			return nil, fmt.Errorf("connect %s: %w", l.role, err)
		}
		wait := backoff(attempt, l.b.cfg.minBackoff, l.b.cfg.maxBackoff)
		l.b.log.WarnContext(ctx, "rabbitmq connect failed", "connection", l.role, "attempt", attempt+1, "retry_in", wait, "err", err)
		if !events.Sleep(ctx, wait) {
			return nil, fmt.Errorf("connect %s: %w (last error: %w)", l.role, ctx.Err(), err)
		}
	}
}

func (l *link) dial() (*session, error) {
	cfg := amqp.Config{
		Heartbeat: 10 * time.Second,
		Locale:    "en_US",
		Dial:      amqp.DefaultDial(5 * time.Second),
		Properties: amqp.Table{
			"connection_name": strings.TrimSpace(l.b.cfg.name + " " + l.role + " " + l.b.cfg.prefix),
		},
	}
	conn, err := amqp.DialConfig(l.url, cfg)
	if err != nil {
		return nil, err
	}
	s := &session{conn: conn, done: make(chan struct{})}
	// Watch before setup, so a failure during setup is seen. Buffered:
	// the library sends the close reason once and must not wait for us.
	connClosed := conn.NotifyClose(make(chan *amqp.Error, 1))
	blocked := conn.NotifyBlocked(make(chan amqp.Blocking, 1))
	if err := l.setup(s); err != nil {
		_ = conn.Close()
		return nil, err
	}
	var chClosed chan *amqp.Error // nil (never ready) without a channel
	if s.ch != nil {
		chClosed = s.ch.NotifyClose(make(chan *amqp.Error, 1))
	}
	go func() {
		for {
			select {
			case b, ok := <-blocked:
				if !ok {
					blocked = nil
					continue
				}
				// A resource alarm: publishes wait until it clears, bounded
				// by the confirm timeout.
				l.b.log.Warn("rabbitmq connection flow", "connection", l.role, "blocked", b.Active, "reason", b.Reason)
				continue
			case err := <-connClosed:
				s.err = closeReason("connection", err)
			case err := <-chClosed:
				s.err = closeReason("channel", err)
			}
			close(s.done)
			return
		}
	}()
	return s, nil
}

func closeReason(what string, err *amqp.Error) error {
	if err == nil {
		return fmt.Errorf("%s closed", what)
	}
	return fmt.Errorf("%s closed: %w", what, err)
}

// backoff is the wait before retry number attempt (from 0): doubling from
// first up to longest, each drawn from its upper half so that many
// clients do not reconnect in step.
func backoff(attempt int, first, longest time.Duration) time.Duration {
	d := first
	for i := 0; i < attempt && d < longest; i++ {
		d *= 2
	}
	d = min(d, longest)
	return d/2 + rand.N(d/2+1)
}
