package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/testenv"
)

// run serves from the environment alone until its context ends.
func TestRunServesUntilCancelled(t *testing.T) {
	uri, db := testenv.Mongo(t)
	signing, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	env := config.MapEnv(map[string]string{
		"HTTP_ADDR":       "127.0.0.1:0",
		"JWT_SIGNING_KEY": string(signing),
		"MONGO_URI":       uri,
		"MONGO_DATABASE":  db,
		"REDIS_URL":       testenv.Redis(t),
	})

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	out, logs := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, env, logs); logs.Close() }()

	addr := listeningAddr(t, out)
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var health struct{ Checks map[string]string }
	_ = json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || health.Checks["redis"] != "up" || health.Checks["mongodb"] != "up" {
		t.Fatalf("healthz %d %+v", resp.StatusCode, health)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop")
	}
}

func TestRunReportsConfigurationMistakes(t *testing.T) {
	err := run(context.Background(), config.MapEnv(map[string]string{"REDIS_URL": "http://x"}), io.Discard)
	if err == nil {
		t.Fatal("run started without configuration")
	}
	for _, key := range []string{"JWT_SIGNING_KEY", "MONGO_URI", "REDIS_URL"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("the error does not name %s: %v", key, err)
		}
	}
}

// listeningAddr reads JSON log lines until the server says where it listens,
// then keeps draining so logging never blocks.
func listeningAddr(t *testing.T, r io.Reader) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				found <- line.Addr
			}
		}
	}()
	select {
	case addr := <-found:
		return addr
	case <-time.After(30 * time.Second):
		t.Fatal("the server never said it was listening")
		return ""
	}
}
