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

func TestRunServesUntilCancelled(t *testing.T) {
	priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := auth.ParsePrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := auth.PublicKeyPEM(key)
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
	out, logs := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, env, logs)
		logs.Close()
	}()

	base := waitForListening(t, out)
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz answered %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
}

// waitForListening reads the JSON log until the "listening" line and
// returns the server's base URL; the rest of the log is drained.
func waitForListening(t *testing.T, out io.Reader) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var line struct {
				Msg     string `json:"msg"`
				GraphQL string `json:"graphql"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				found <- strings.TrimSuffix(line.GraphQL, "/graphql")
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case base := <-found:
		return base
	case <-time.After(15 * time.Second):
		t.Fatal("the service did not log that it listens")
		return ""
	}
}

func TestRunReportsEveryConfigProblem(t *testing.T) {
	err := run(context.Background(), config.MapEnv(nil), io.Discard)
	if err == nil {
		t.Fatal("run started without configuration")
	}
	for _, key := range []string{"DATABASE_URL", "JWT_PUBLIC_KEYS"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error %q does not name %s", err, key)
		}
	}
}
