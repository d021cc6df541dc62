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

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/testenv"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
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

func TestRunServesUntilCancelled(t *testing.T) {
	uri, db := testenv.Mongo(t)
	key, _ := auth.GenerateKey()
	addr := freeAddr(t)
	env := config.MapEnv(map[string]string{
		"HTTP_ADDR": addr, "MONGO_URI": uri, "MONGO_DATABASE": db, "JWT_SIGNING_KEY": string(key), "LOG_FORMAT": "json",
	})
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, env, &out) }()

	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not healthy in time: %v; log: %s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
	if !strings.Contains(out.String(), `"msg":"listening"`) {
		t.Fatalf("no JSON start-up line: %s", out.String())
	}
}

func TestRunReportsEveryConfigProblem(t *testing.T) {
	err := run(context.Background(), config.MapEnv(map[string]string{"LOG_FORMAT": "yaml"}), &bytes.Buffer{})
	if err == nil {
		t.Fatal("want a configuration error")
	}
	for _, key := range []string{"MONGO_URI", "JWT_SIGNING_KEY", "LOG_FORMAT"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}
