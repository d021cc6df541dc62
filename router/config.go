package router

import (
	"log/slog"
	"strings"
	"time"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/logging"
)

// Config is the router's configuration. Build it with LoadConfig (from the
// environment, or from a map through config.MapEnv) so unset values get
// their defaults, then adjust fields as needed.
type Config struct {
	// Addr is where GraphQL, the playground and health endpoints are served
	// (ROUTER_ADDR, default ":4000"; ":0" picks a free port).
	Addr string
	// MetricsAddr is where Prometheus metrics are served on /metrics
	// (ROUTER_METRICS_ADDR, default "127.0.0.1:8088"; "off" in the
	// environment or "" here disables them).
	MetricsAddr string

	// ExecutionConfigFile is a composed execution config to load instead of
	// the one embedded at build time (ROUTER_EXECUTION_CONFIG).
	ExecutionConfigFile string
	// SubgraphURLs override routing URLs by subgraph name
	// (SUBGRAPH_<NAME>_URL), e.g. docker-compose service hostnames.
	SubgraphURLs map[string]string
	// SubscriptionURLs override subscription URLs by subgraph name
	// (SUBGRAPH_<NAME>_SUBSCRIPTION_URL). Without one, an overridden
	// subgraph's subscriptions follow its routing URL (see New).
	SubscriptionURLs map[string]string

	// LogFormat is json or text (LOG_FORMAT, default json).
	LogFormat logging.Format
	// LogLevel is the level of the router's own records (LOG_LEVEL, default
	// info). The embedded engine logs at WARN and above unless this is debug.
	LogLevel slog.Level
	// AccessLogs logs every request at INFO (ROUTER_ACCESS_LOGS, default
	// false).
	AccessLogs bool

	// MaxDepth limits the nesting depth of an operation (ROUTER_MAX_DEPTH,
	// default 16; 0 disables). The playground's introspection query needs
	// about 13.
	MaxDepth int
	// MaxComplexity limits the number of fields an operation selects, nested
	// fields and fragments included (ROUTER_MAX_COMPLEXITY, default 1500; 0
	// disables).
	MaxComplexity int
	// MaxAliases limits the aliased root fields of an operation
	// (ROUTER_MAX_ALIASES, default 30; 0 disables).
	MaxAliases int
	// MaxBatchSize limits the operations in one batched request, a JSON
	// array (ROUTER_MAX_BATCH_SIZE, default 10; 0 disables batching).
	MaxBatchSize int

	// MaxUploadFileBytes caps each file of a multipart upload
	// (ROUTER_MAX_UPLOAD_FILE_MB, default 10 MiB).
	MaxUploadFileBytes int64
	// MaxUploadFiles caps the files in one upload (ROUTER_MAX_UPLOAD_FILES,
	// default 5).
	MaxUploadFiles int

	// RequestTimeout bounds each request the router makes to a subgraph
	// (ROUTER_REQUEST_TIMEOUT, default 30s). Subscriptions are not bound.
	RequestTimeout time.Duration
	// Deduplication shares one subgraph request among identical concurrent
	// ones (ROUTER_DEDUPLICATION, default true).
	Deduplication bool
	// NetPoll serves WebSocket connections from an epoll loop instead of a
	// goroutine each (ROUTER_NETPOLL, default false). It saves memory with
	// very many connections, but the loop reads each subgraph subscription
	// once per 100 ms tick: events arrive up to 100 ms late and at most ten
	// a second per subscription.
	NetPoll bool
	// CORSAllowedOrigins lists the browser origins allowed to call the
	// router (CORS_ALLOWED_ORIGINS, comma-separated, default "*").
	CORSAllowedOrigins []string
	// Playground serves GraphiQL on GET / (ROUTER_PLAYGROUND, default true).
	Playground bool
	// Introspection answers introspection queries (ROUTER_INTROSPECTION,
	// default true); the playground needs it.
	Introspection bool
}

// metricsOff in ROUTER_METRICS_ADDR disables metrics; an empty variable
// means "unset" and gets the default.
const metricsOff = "off"

// LoadConfig reads the router's configuration through getenv and reports
// every problem at once. It reads the execution config (the embedded one,
// or ROUTER_EXECUTION_CONFIG) to learn which SUBGRAPH_<NAME>_URL variables
// to look for.
func LoadConfig(getenv func(string) string) (Config, error) {
	r := config.NewReader(getenv)
	cfg := Config{
		Addr:                r.String("ROUTER_ADDR", ":4000"),
		MetricsAddr:         r.String("ROUTER_METRICS_ADDR", "127.0.0.1:8088"),
		ExecutionConfigFile: r.String("ROUTER_EXECUTION_CONFIG", ""),
		LogFormat:           logging.Format(r.OneOf("LOG_FORMAT", string(logging.JSON), string(logging.JSON), string(logging.Text))),
		LogLevel:            logging.ParseLevel(r.OneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error")),
		AccessLogs:          r.Bool("ROUTER_ACCESS_LOGS", false),
		MaxDepth:            r.Int("ROUTER_MAX_DEPTH", 16, 0, 1000),
		MaxComplexity:       r.Int("ROUTER_MAX_COMPLEXITY", 1500, 0, 1_000_000),
		MaxAliases:          r.Int("ROUTER_MAX_ALIASES", 30, 0, 10_000),
		MaxBatchSize:        r.Int("ROUTER_MAX_BATCH_SIZE", 10, 0, 1000),
		MaxUploadFileBytes:  int64(r.Int("ROUTER_MAX_UPLOAD_FILE_MB", 10, 1, 1024)) << 20,
		MaxUploadFiles:      r.Int("ROUTER_MAX_UPLOAD_FILES", 5, 1, 100),
		RequestTimeout:      r.Duration("ROUTER_REQUEST_TIMEOUT", 30*time.Second, time.Second, 10*time.Minute),
		Deduplication:       r.Bool("ROUTER_DEDUPLICATION", true),
		NetPoll:             r.Bool("ROUTER_NETPOLL", false),
		CORSAllowedOrigins:  splitList(r.String("CORS_ALLOWED_ORIGINS", "*")),
		Playground:          r.Bool("ROUTER_PLAYGROUND", true),
		Introspection:       r.Bool("ROUTER_INTROSPECTION", true),
	}
	if cfg.MetricsAddr == metricsOff {
		cfg.MetricsAddr = ""
	}
	if cfg.Playground && !cfg.Introspection {
		r.Fail("ROUTER_PLAYGROUND", "the playground needs ROUTER_INTROSPECTION=true")
	}

	exec, err := loadExecutionConfig(cfg.ExecutionConfigFile)
	if err != nil {
		r.Fail("ROUTER_EXECUTION_CONFIG", "%v", err)
		return cfg, r.Err()
	}
	for _, sg := range exec.GetSubgraphs() {
		key := envName(sg.GetName())
		if u := r.URL("SUBGRAPH_"+key+"_URL", false, "", "http", "https"); u != "" {
			if cfg.SubgraphURLs == nil {
				cfg.SubgraphURLs = map[string]string{}
			}
			cfg.SubgraphURLs[sg.GetName()] = u
		}
		if u := r.URL("SUBGRAPH_"+key+"_SUBSCRIPTION_URL", false, "", "ws", "wss", "http", "https"); u != "" {
			if cfg.SubscriptionURLs == nil {
				cfg.SubscriptionURLs = map[string]string{}
			}
			cfg.SubscriptionURLs[sg.GetName()] = u
		}
	}
	return cfg, r.Err()
}

// envName turns a subgraph name into the NAME of SUBGRAPH_<NAME>_URL.
func envName(subgraph string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, subgraph)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
