package rabbitmq

import (
	"context"
	"fmt"
	"maps"
	"net"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
)

// env is one test's corner of the broker: every bus it makes shares a
// fresh name prefix, and what they declared is deleted when the test ends.
type env struct {
	t      testing.TB
	url    string
	prefix string

	mu     sync.Mutex
	buses  []*Bus
	queues []string // declared by the test itself
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, url: testenv.RabbitMQ(t), prefix: testenv.Name("t") + "."}
	// Registered first, so it runs after every bus is closed.
	t.Cleanup(e.teardown)
	return e
}

// bus returns a bus on e's prefix, closed when the test ends.
func (e *env) bus(opts ...Option) *Bus {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base := []Option{
		WithPrefix(e.prefix),
		WithReconnectBackoff(20*time.Millisecond, 500*time.Millisecond),
		WithConfirmTimeout(10 * time.Second),
		WithLogger(logging.Discard()),
	}
	b, err := New(ctx, e.url, append(base, opts...)...)
	if err != nil {
		e.t.Fatalf("New: %v", err)
	}
	e.mu.Lock()
	e.buses = append(e.buses, b)
	e.mu.Unlock()
	e.t.Cleanup(func() { _ = b.Close() })
	return b
}

func (e *env) teardown() {
	queues := map[string]bool{}
	exchanges := map[string]bool{}
	e.mu.Lock()
	for _, q := range e.queues {
		queues[q] = true
	}
	for _, b := range e.buses {
		b.mu.Lock()
		for q := range b.declared {
			queues[q] = true
		}
		b.mu.Unlock()
		exchanges[b.cfg.exchangeName()] = true
		exchanges[b.cfg.dlxName()] = true
	}
	e.mu.Unlock()
	if err := DeleteNames(e.url, slices.Collect(maps.Keys(queues)), slices.Collect(maps.Keys(exchanges))); err != nil {
		e.t.Errorf("teardown: %v", err)
	}
}

// raw opens a plain channel on the broker for the test to look behind the
// bus's back.
func (e *env) raw() *amqp.Channel {
	e.t.Helper()
	conn, err := amqp.Dial(e.url)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	e.t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		e.t.Fatalf("channel: %v", err)
	}
	return ch
}

// testRetry keeps suites fast: every wait between attempts is a few ms.
var testRetry = events.Retry{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond}

func mustEvent(t testing.TB, typ, subject string) events.Envelope {
	t.Helper()
	source, _, _ := strings.Cut(typ, ".")
	e, err := events.New(context.Background(), source, typ, subject, map[string]string{"subject": subject})
	if err != nil {
		t.Fatalf("events.New: %v", err)
	}
	return e
}

func mustSubscribe(t testing.TB, b *Bus, name string, h events.Handler, patterns ...string) {
	t.Helper()
	if err := b.Subscribe(t.Context(), name, h, patterns...); err != nil {
		t.Fatalf("Subscribe(%s): %v", name, err)
	}
}

func mustPublish(t testing.TB, b *Bus, es ...events.Envelope) {
	t.Helper()
	if err := b.Publish(t.Context(), es...); err != nil {
		t.Fatalf("Publish: %v", err)
	}
}

// eventually polls cond until it holds or d passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// deadLetters is Bus.DeadLetters for a test.
func deadLetters(t testing.TB, b *Bus, subscriber string) []events.DeadLetter {
	t.Helper()
	dls, err := b.DeadLetters(t.Context(), subscriber)
	if err != nil {
		t.Fatalf("DeadLetters(%s): %v", subscriber, err)
	}
	return dls
}

// counter reads one counter of reg.
func counter(t testing.TB, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue metric
				}
			}
			if c := m.GetCounter(); c != nil {
				total += c.GetValue()
			}
		}
	}
	return total
}

// localPorts are the client ports of b's live connections.
func (b *Bus) localPorts() []string {
	var ports []string
	for _, l := range []*link{b.pub, b.cons} {
		l.mu.Lock()
		if s := l.cur; s != nil {
			if a, ok := s.conn.LocalAddr().(*net.TCPAddr); ok {
				ports = append(ports, fmt.Sprint(a.Port))
			}
		}
		l.mu.Unlock()
	}
	return ports
}

// forceClose makes the broker close b's connections, as
// `rabbitmqctl close_all_connections` would, but only b's: other tests
// share the broker.
func forceClose(t testing.TB, b *Bus) int {
	t.Helper()
	ports := map[string]bool{}
	for _, p := range b.localPorts() {
		ports[p] = true
	}
	out, err := exec.Command("rabbitmqctl", "list_connections", "-q", "--no-table-headers", "pid", "peer_port").CombinedOutput()
	if err != nil {
		t.Fatalf("rabbitmqctl list_connections: %v\n%s", err, out)
	}
	var pids []string
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 2 && ports[f[1]] {
			pids = append(pids, f[0])
		}
	}
	if len(pids) != len(ports) {
		t.Fatalf("broker connections for ports %v: found %d in\n%s", ports, len(pids), out)
	}
	var wg sync.WaitGroup
	for _, pid := range pids {
		wg.Go(func() {
			out, err := exec.Command("rabbitmqctl", "close_connection", pid, "test: forced close").CombinedOutput()
			if err != nil {
				t.Errorf("rabbitmqctl close_connection %s: %v\n%s", pid, err, out)
			}
		})
	}
	wg.Wait()
	// rabbitmqctl returns before the broker has closed everything: wait
	// until the bus is back on new connections, so disruptions never
	// overlap.
	eventually(t, 30*time.Second, "the bus to reconnect", func() bool {
		now := b.localPorts()
		for _, p := range now {
			if ports[p] {
				return false
			}
		}
		return len(now) == len(ports)
	})
	return len(pids)
}
