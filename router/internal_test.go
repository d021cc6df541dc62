package router

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	nodev1 "github.com/wundergraph/cosmo/router/gen/proto/wg/cosmo/node/v1"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func TestZapRecordsReachSlog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	zl := newZapLogger(log, zapcore.WarnLevel).With(zap.String("component", "engine"))

	zl.Info("per-request chatter")
	zl.Warn("subgraph slow", zap.Int("ms", 1200), zap.Error(errString("timeout")))

	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("want exactly one JSON record, got %q", buf.String())
	}
	want := map[string]any{"level": "WARN", "msg": "subgraph slow", "component": "engine", "ms": float64(1200), "error": "timeout"}
	for k, v := range want {
		if rec[k] != v {
			t.Errorf("%s = %v, want %v (record %v)", k, rec[k], v, rec)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestOverridesMoveSubscriptionsWithRoutingURL(t *testing.T) {
	source := func(routing, subscription string) *nodev1.DataSourceConfiguration {
		return &nodev1.DataSourceConfiguration{
			Id: "0",
			CustomGraphql: &nodev1.DataSourceCustom_GraphQL{
				Fetch:        &nodev1.FetchConfiguration{Url: &nodev1.ConfigurationVariable{StaticVariableContent: routing}},
				Subscription: &nodev1.GraphQLSubscriptionConfiguration{Url: &nodev1.ConfigurationVariable{StaticVariableContent: subscription}},
			},
		}
	}
	tests := []struct {
		name, routing, subscription, override, want string
	}{
		{"ws beside routing", "http://127.0.0.1:4001/graphql", "ws://127.0.0.1:4001/graphql", "http://customer:8080/graphql", "ws://customer:8080/graphql"},
		{"wss for https", "http://127.0.0.1:4001/graphql", "ws://127.0.0.1:4001/graphql", "https://customer.internal/graphql", "wss://customer.internal/graphql"},
		{"sse_post beside routing", "http://127.0.0.1:4001/graphql", "http://127.0.0.1:4001/graphql", "http://customer:8080/graphql", "http://customer:8080/graphql"},
		{"elsewhere stays", "http://127.0.0.1:4001/graphql", "ws://events:9000/subscriptions", "http://customer:8080/graphql", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exec := &nodev1.RouterConfig{
				EngineConfig: &nodev1.EngineConfiguration{DatasourceConfigurations: []*nodev1.DataSourceConfiguration{source(tt.routing, tt.subscription)}},
				Subgraphs:    []*nodev1.Subgraph{{Id: "0", Name: "customer"}},
			}
			got, err := subgraphOverrides(exec, map[string]string{"customer": tt.override}, nil)
			if err != nil {
				t.Fatal(err)
			}
			o := got.Subgraphs["customer"]
			if o.RoutingURL != tt.override || o.SubscriptionURL != tt.want {
				t.Fatalf("override = %+v, want subscription URL %q", o, tt.want)
			}
		})
	}
}
