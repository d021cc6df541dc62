package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/blob"
	"github.com/platterhq/platter/internal/config"
)

// run serves from the environment alone, without REDIS_URL (nothing uses
// Redis yet), until its context ends.
func TestRunServesUntilCancelled(t *testing.T) {
	emu, err := blob.StartEmulator(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	if err := emu.CreateBucket(context.Background(), "media"); err != nil {
		t.Fatal(err)
	}
	signing, _ := auth.GenerateKey()
	priv, _ := auth.ParsePrivateKey(signing)
	public, _ := auth.PublicKeyPEM(priv)
	env := config.MapEnv(map[string]string{
		"HTTP_ADDR":       "127.0.0.1:0",
		"JWT_PUBLIC_KEYS": string(public),
		"GCS_BUCKET":      "media",
		"GCS_ENDPOINT":    emu.URL(),
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
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz %d", resp.StatusCode)
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
