package httpserver_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/internal/testenv"
)

type closer struct{ http.Handler }

func (closer) Close() {}

// runWithLag is a binary whose service reports an outbox lag.
func runWithLag(lag httpserver.LagFunc) httpserver.RunFunc {
	return func(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
		cfg := config.HTTP{Addr: getenv("HTTP_ADDR")}
		return httpserver.Run(ctx, "example", cfg, stdout, func(ctx context.Context, env httpserver.Env) (httpserver.Service, error) {
			env.Metrics.MustRegister(httpserver.OutboxLagGauge("example", lag))
			return closer{httpserver.Health()}, nil
		})
	}
}

func TestRunServesMetricsBesideTheService(t *testing.T) {
	served := testenv.RunUntilHealthy(t, runWithLag(func(context.Context) (time.Duration, error) {
		return 1500 * time.Millisecond, nil
	}), nil)
	for _, want := range []string{`platter_outbox_lag_seconds{service="example"} 1.5`, "go_goroutines", "process_resident_memory_bytes"} {
		if !strings.Contains(served.Metrics, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, served.Metrics)
		}
	}
}

func TestOutboxLagGaugeSaysUnknownWhenTheOutboxCannotBeRead(t *testing.T) {
	served := testenv.RunUntilHealthy(t, runWithLag(func(context.Context) (time.Duration, error) {
		return 0, errors.New("database down")
	}), nil)
	if want := `platter_outbox_lag_seconds{service="example"} -1`; !strings.Contains(served.Metrics, want) {
		t.Errorf("/metrics lacks %q:\n%s", want, served.Metrics)
	}
}
