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

// TestRun starts the binary's run on a free port, waits until /healthz
// answers and stops it: configuration, migrations and serving wired as in
// production.
func TestRun(t *testing.T) {
	key, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := auth.ParsePrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := auth.PublicKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	env := config.MapEnv(map[string]string{
		"HTTP_ADDR":       "127.0.0.1:0",
		"DATABASE_URL":    testenv.SQLite(t),
		"JWT_PUBLIC_KEYS": string(pub),
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs, logw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, env, logw)
		logw.Close()
	}()

	base := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			var line struct{ Msg, GraphQL string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				base <- strings.TrimSuffix(line.GraphQL, "/graphql")
			}
		}
	}()
	var url string
	select {
	case url = <-base:
	case err := <-done:
		t.Fatalf("run returned before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("run did not start listening")
	}
	res, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %s", res.Status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestRunReportsMissingConfiguration(t *testing.T) {
	err := run(context.Background(), config.MapEnv(nil), io.Discard)
	if err == nil {
		t.Fatal("run started without DATABASE_URL and JWT_PUBLIC_KEYS")
	}
	for _, want := range []string{"DATABASE_URL", "JWT_PUBLIC_KEYS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}
