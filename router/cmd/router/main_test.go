package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/config"
)

// TestRunServesTheEmbeddedSupergraph boots the services-mode binary's run
// with the supergraph embedded at build time and shuts it down. The
// subgraphs are not running; readiness does not depend on them.
func TestRunServesTheEmbeddedSupergraph(t *testing.T) {
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, config.MapEnv(map[string]string{
			"ROUTER_ADDR":         addr,
			"ROUTER_METRICS_ADDR": "off",
			"LOG_FORMAT":          "text",
		}), &out)
	}()

	waitReady(t, "http://"+addr+"/health/ready", done)

	resp, err := http.Post("http://"+addr+"/graphql", "application/json", strings.NewReader(`{"query":"{ __schema { queryType { name } } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("introspection answered %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if !strings.Contains(out.String(), "router listening") {
		t.Errorf("log lacks the start-up record:\n%s", out.String())
	}
}

func TestRunReportsConfigErrors(t *testing.T) {
	err := run(context.Background(), config.MapEnv(map[string]string{"ROUTER_MAX_DEPTH": "-1"}), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "ROUTER_MAX_DEPTH") {
		t.Fatalf("err = %v", err)
	}
}

func waitReady(t *testing.T, url string, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v", err)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s not ready after 10s", url)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer is written by the router's goroutines and read by the test.
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
