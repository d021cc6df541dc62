package router_test

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/router"
)

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := router.LoadConfig(config.MapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := router.Config{
		Addr:               ":4000",
		MetricsAddr:        "127.0.0.1:8088",
		LogFormat:          logging.JSON,
		LogLevel:           slog.LevelInfo,
		MaxDepth:           16,
		MaxComplexity:      1500,
		MaxAliases:         30,
		MaxBatchSize:       10,
		MaxUploadFileBytes: 10 << 20,
		MaxUploadFiles:     5,
		RequestTimeout:     30 * time.Second,
		Deduplication:      true,
		CORSAllowedOrigins: []string{"*"},
		Playground:         true,
		Introspection:      true,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("defaults:\n got %+v\nwant %+v", cfg, want)
	}
}

func TestLoadConfigReadsOverridesForComposedSubgraphs(t *testing.T) {
	cfg, err := router.LoadConfig(config.MapEnv(map[string]string{
		"SUBGRAPH_CUSTOMER_URL":              "http://customer:8080/graphql",
		"SUBGRAPH_CUSTOMER_SUBSCRIPTION_URL": "ws://customer:8080/graphql",
		"SUBGRAPH_PRODUCT_URL":               "http://product:8080/graphql",
		"CORS_ALLOWED_ORIGINS":               "https://app.platter.test, https://admin.platter.test",
		"ROUTER_METRICS_ADDR":                "off",
		"ROUTER_MAX_BATCH_SIZE":              "0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SubgraphURLs["customer"] != "http://customer:8080/graphql" || cfg.SubgraphURLs["product"] != "http://product:8080/graphql" {
		t.Errorf("SubgraphURLs = %v", cfg.SubgraphURLs)
	}
	if cfg.SubscriptionURLs["customer"] != "ws://customer:8080/graphql" || len(cfg.SubscriptionURLs) != 1 {
		t.Errorf("SubscriptionURLs = %v", cfg.SubscriptionURLs)
	}
	if len(cfg.CORSAllowedOrigins) != 2 || cfg.CORSAllowedOrigins[1] != "https://admin.platter.test" {
		t.Errorf("CORSAllowedOrigins = %q", cfg.CORSAllowedOrigins)
	}
	if cfg.MetricsAddr != "" || cfg.MaxBatchSize != 0 {
		t.Errorf("MetricsAddr = %q, MaxBatchSize = %d; want both off", cfg.MetricsAddr, cfg.MaxBatchSize)
	}
}

func TestLoadConfigReportsEveryProblem(t *testing.T) {
	_, err := router.LoadConfig(config.MapEnv(map[string]string{
		"ROUTER_MAX_DEPTH":       "deep",
		"LOG_FORMAT":             "xml",
		"ROUTER_REQUEST_TIMEOUT": "forever",
		"SUBGRAPH_CUSTOMER_URL":  "ftp://customer/graphql",
		"ROUTER_INTROSPECTION":   "false",
	}))
	if err == nil {
		t.Fatal("LoadConfig succeeded")
	}
	for _, key := range []string{"ROUTER_MAX_DEPTH", "LOG_FORMAT", "ROUTER_REQUEST_TIMEOUT", "SUBGRAPH_CUSTOMER_URL", "ROUTER_PLAYGROUND"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not mention %s:\n%v", key, err)
		}
	}
}

func TestLoadConfigRejectsMissingExecutionConfig(t *testing.T) {
	_, err := router.LoadConfig(config.MapEnv(map[string]string{"ROUTER_EXECUTION_CONFIG": "/nonexistent/execution-config.json"}))
	if err == nil || !strings.Contains(err.Error(), "ROUTER_EXECUTION_CONFIG") {
		t.Fatalf("err = %v, want one naming ROUTER_EXECUTION_CONFIG", err)
	}
}

func TestNewRejectsBadConfigWithoutListening(t *testing.T) {
	base, err := router.LoadConfig(config.MapEnv(map[string]string{"ROUTER_ADDR": "127.0.0.1:0", "ROUTER_METRICS_ADDR": "off"}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(*router.Config)
		want   string
	}{
		{"unknown subgraph", func(c *router.Config) { c.SubgraphURLs = map[string]string{"kitchen": "http://kitchen/graphql"} }, `"kitchen"`},
		{"bad CORS origin", func(c *router.Config) { c.CORSAllowedOrigins = []string{"app.platter.test"} }, "CORS_ALLOWED_ORIGINS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.change(&cfg)
			r, err := router.New(context.Background(), cfg, logging.Discard())
			if err == nil {
				_ = r.Close()
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %s", err, tt.want)
			}
		})
	}
}
