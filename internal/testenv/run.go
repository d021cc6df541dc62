package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/httpserver"
)

// FreeAddr returns a loopback address whose port was free a moment ago.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Serve serves svc over HTTP until the test ends, then closes it, and
// returns the server's base URL.
func Serve(tb testing.TB, svc httpserver.Service) string {
	tb.Helper()
	tb.Cleanup(svc.Close)
	srv := httptest.NewServer(svc)
	tb.Cleanup(srv.Close)
	return srv.URL
}

// Served is what a binary's run left behind after serving until cancelled.
type Served struct {
	// Checks are the states of the dependency checks in the first 200
	// answer of /healthz.
	Checks map[string]string
	// Output is everything run wrote to stdout.
	Output string
	// Metrics is what /metrics answered while it was healthy (empty when
	// it did not answer 200).
	Metrics string
}

// RunUntilHealthy starts run with env plus HTTP_ADDR on a free port, waits
// until /healthz answers 200, cancels run and requires it to return nil
// having logged, in JSON, that it listens. The test fails, showing run's
// output, if run is not healthy within 15s or takes as long to stop.
func RunUntilHealthy(tb testing.TB, run httpserver.RunFunc, env map[string]string) Served {
	tb.Helper()
	addr := FreeAddr(tb)
	withAddr := map[string]string{}
	maps.Copy(withAddr, env)
	withAddr["HTTP_ADDR"] = addr
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, config.MapEnv(withAddr), &out) }()

	url := "http://" + addr + "/healthz"
	deadline := time.After(15 * time.Second)
	checks, ok := healthy(tb, url)
	for !ok {
		select {
		case err := <-done:
			tb.Fatalf("run returned before it was healthy: %v\noutput:\n%s", err, out.String())
		case <-deadline:
			tb.Fatalf("%s did not answer 200 within 15s\noutput:\n%s", url, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		checks, ok = healthy(tb, url)
	}

	metrics := scrape("http://" + addr + "/metrics")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			tb.Fatalf("run: %v\noutput:\n%s", err, out.String())
		}
	case <-time.After(15 * time.Second):
		tb.Fatalf("run did not stop within 15s of cancel\noutput:\n%s", out.String())
	}
	if !strings.Contains(out.String(), `"msg":"listening"`) {
		tb.Fatalf("the log lacks its JSON start-up record\noutput:\n%s", out.String())
	}
	return Served{Checks: checks, Output: out.String(), Metrics: metrics}
}

// scrape returns the body of a 200 answer from url, or "".
func scrape(url string) string {
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return ""
	}
	return string(body)
}

// healthy asks url once and reports whether it answered 200, with the
// checks its body lists.
func healthy(tb testing.TB, url string) (map[string]string, bool) {
	tb.Helper()
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, false
	}
	var body struct{ Checks map[string]string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		tb.Fatalf("%s answered 200 with a body that is not its JSON: %v", url, err)
	}
	return body.Checks, true
}

// RunRejectsConfig runs run with env and fails the test unless run returns
// an error that names every one of keys: a service reports all of its
// configuration problems at once.
func RunRejectsConfig(tb testing.TB, run httpserver.RunFunc, env map[string]string, keys ...string) {
	tb.Helper()
	// Bounded, in case run accepts env and serves.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx, config.MapEnv(env), io.Discard)
	if err == nil {
		tb.Fatal("run accepted the configuration")
	}
	for _, key := range keys {
		if !strings.Contains(err.Error(), key) {
			tb.Errorf("the error does not name %s: %v", key, err)
		}
	}
}

// syncBuffer collects what a server's goroutines write while the test
// reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
