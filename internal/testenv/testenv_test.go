package testenv_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
)

// run is a binary's run in miniature: it needs NAME, then serves /healthz
// with one check.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	if getenv("NAME") == "" {
		return errors.New("configuration: NAME is required")
	}
	cfg := config.HTTP{Addr: getenv("HTTP_ADDR"), LogFormat: logging.JSON, LogLevel: slog.LevelInfo}
	return httpserver.RunService(ctx, getenv("NAME"), cfg, stdout, func(context.Context, *slog.Logger) (httpserver.Service, error) {
		return service{Handler: httpserver.Health(httpserver.Check{Name: "store", Probe: func(context.Context) error { return nil }})}, nil
	})
}

type service struct {
	http.Handler
	close func()
}

func (s service) Close() {
	if s.close != nil {
		s.close()
	}
}

func TestRunUntilHealthy(t *testing.T) {
	served := testenv.RunUntilHealthy(t, run, map[string]string{"NAME": "probe"})
	if served.Checks["store"] != "up" {
		t.Fatalf("checks %+v", served.Checks)
	}
	if !strings.Contains(served.Output, `"msg":"stopped"`) {
		t.Fatalf("output lacks the stop record:\n%s", served.Output)
	}
}

func TestRunRejectsConfig(t *testing.T) {
	testenv.RunRejectsConfig(t, run, nil, "NAME")
}

func TestKeys(t *testing.T) {
	keys := testenv.Keys(t)
	verifier, err := auth.LoadKeySet("", keys.Verifier().PublicKeysPEM)
	if err != nil {
		t.Fatal(err)
	}
	id, err := verifier.Verify(keys.Token("ada", auth.RoleAdmin), time.Now())
	if err != nil || id.Subject != "ada" || !id.Has(auth.RoleAdmin) {
		t.Fatalf("token verifies as %+v, %v", id, err)
	}
	expired := keys.TokenFor(auth.Identity{Subject: "ada"}, time.Now().Add(-time.Hour))
	if _, err := verifier.Verify(expired, time.Now()); err == nil {
		t.Fatal("a token issued an hour ago verifies")
	}
	if _, err := verifier.Verify(testenv.Keys(t).Token("ada"), time.Now()); err == nil {
		t.Fatal("another pair's token verifies")
	}
	issuer, err := auth.LoadKeySet(keys.Issuer().SigningKeyPEM, "")
	if err != nil || !issuer.CanSign() {
		t.Fatalf("the issuer configuration cannot sign: %v", err)
	}
}

func TestServe(t *testing.T) {
	closed := false
	t.Run("serving", func(t *testing.T) {
		svc := service{Handler: httpserver.Health(), close: func() { closed = true }}
		resp, err := http.Get(testenv.Serve(t, svc) + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	if !closed {
		t.Fatal("the service was not closed when its test ended")
	}
}
