// Package router serves Platter's supergraph with the WunderGraph Cosmo
// router embedded as a library.
//
// Use it as:
//
//	cfg, err := router.LoadConfig(os.Getenv)    // or config.MapEnv(...) in-process
//	r, err := router.New(ctx, cfg, log)         // listening when it returns
//	fmt.Println(r.URL())                        // e.g. http://127.0.0.1:4000
//	err = r.Serve(ctx)                          // until ctx ends, then a clean shutdown
//
// (Close shuts down a router that is not being served.)
//
// The router plans every operation against a precomposed execution config
// (embedded at build time by make compose, or Config.ExecutionConfigFile)
// and serves:
//
//   - GET /: the GraphiQL playground; /graphql: GraphQL over POST, GET,
//     WebSocket (graphql-transport-ws and graphql-ws), SSE (Accept:
//     text/event-stream), batches (a JSON array) and multipart uploads;
//   - /health/live and /health/ready; Prometheus text on MetricsAddr/metrics.
//
// Every subgraph request carries the client's Authorization header and an
// X-Request-Id (the client's, or one the router makes and echoes back). A
// WebSocket client's connection_init payload, where browsers put their
// token, reaches a subgraph subscribed over ws in its own connection_init,
// so subgraphs read the token from there too.
// Subgraph errors reach clients unwrapped, with extensions.code and
// extensions.field kept, so codes such as UNAUTHENTICATED or INVALID_INPUT
// survive the hop.
package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/wundergraph/cosmo/router/core"
	nodev1 "github.com/wundergraph/cosmo/router/gen/proto/wg/cosmo/node/v1"
	"github.com/wundergraph/cosmo/router/pkg/config"
	"github.com/wundergraph/cosmo/router/pkg/cors"
	rmetric "github.com/wundergraph/cosmo/router/pkg/metric"
	"go.uber.org/zap/zapcore"

	"github.com/platterhq/platter/internal/httpserver"
)

// GraphQLPath is where GraphQL is served; the playground is on "/".
const GraphQLPath = "/graphql"

// Router is a running Cosmo router.
type Router struct {
	core       *core.Router
	url        string
	metricsURL string

	// stopStreams ends SSE streams when shutdown begins (see requestModule).
	stopStreams context.CancelFunc
	closeOnce   sync.Once
	closeErr    error
}

// New starts a router for cfg and returns once it accepts connections, so
// URL is usable at once. Call Serve (or Close) to shut it down.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Router, error) {
	exec, err := loadExecutionConfig(cfg.ExecutionConfigFile)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	overrides, err := subgraphOverrides(exec, cfg.SubgraphURLs, cfg.SubscriptionURLs)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}

	// The Cosmo router binds its own listeners and does not report the
	// address, so a free port is found first when ":0" is asked for. A trial
	// bind also turns "address in use" into an error here rather than a log
	// line from a goroutine.
	addr, err := reserve(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	metricsAddr := ""
	if cfg.MetricsAddr != "" {
		if metricsAddr, err = reserve(cfg.MetricsAddr); err != nil {
			return nil, fmt.Errorf("router metrics: %w", err)
		}
	}

	stopping, stopStreams := context.WithCancel(context.Background())
	opts, err := options(cfg, exec, overrides, addr, metricsAddr, log, &requestModule{stopping: stopping})
	if err != nil {
		stopStreams()
		return nil, fmt.Errorf("router: %w", err)
	}
	cr, err := core.NewRouter(opts...)
	if err != nil {
		stopStreams()
		return nil, fmt.Errorf("router: %w", err)
	}
	// The router's graph server lives until Shutdown, not until the end of
	// the caller's start-up context.
	if err := cr.Start(context.WithoutCancel(ctx)); err != nil {
		stopStreams()
		_ = cr.Shutdown(context.Background())
		return nil, fmt.Errorf("router: start: %w", err)
	}

	r := &Router{core: cr, url: "http://" + dialAddr(addr), stopStreams: stopStreams}
	if metricsAddr != "" {
		r.metricsURL = "http://" + dialAddr(metricsAddr) + "/metrics"
	}
	if err := waitListening(ctx, dialAddr(addr)); err != nil {
		_ = r.Close()
		return nil, fmt.Errorf("router: %w", err)
	}
	log.InfoContext(ctx, "router listening", "url", r.url, "playground", cfg.Playground, "metrics", r.metricsURL)
	return r, nil
}

// URL is the router's base URL on loopback; GraphQL is at URL()+GraphQLPath.
func (r *Router) URL() string { return r.url }

// MetricsURL is the Prometheus endpoint, or "" when metrics are off.
func (r *Router) MetricsURL() string { return r.metricsURL }

// Serve blocks until ctx ends, then shuts the router down, letting requests
// in flight finish for up to httpserver.ShutdownTimeout. Subscriptions
// (WebSocket and SSE) end at once; clients reconnect elsewhere.
func (r *Router) Serve(ctx context.Context) error {
	<-ctx.Done()
	return r.Close()
}

// Close shuts the router down; later calls return the first result.
func (r *Router) Close() error {
	r.closeOnce.Do(func() {
		r.stopStreams()
		ctx, cancel := context.WithTimeout(context.Background(), httpserver.ShutdownTimeout)
		defer cancel()
		if err := r.core.Shutdown(ctx); err != nil {
			r.closeErr = fmt.Errorf("router: shutdown: %w", err)
		}
	})
	return r.closeErr
}

// options translates cfg into Cosmo router options, starting from the
// router's own defaults (the envDefault tags of its config struct) so
// settings Platter does not care about keep upstream's values.
func options(cfg Config, exec *nodev1.RouterConfig, overrides config.OverridesConfiguration, addr, metricsAddr string, log *slog.Logger, requests *requestModule) ([]core.Option, error) {
	var d config.Config
	// An empty, non-nil environment makes env apply only the defaults, never
	// the process's variables.
	if err := env.ParseWithOptions(&d, env.Options{Environment: map[string]string{}}); err != nil {
		return nil, fmt.Errorf("router defaults: %w", err)
	}

	engine := d.EngineExecutionConfiguration
	engine.EnableSingleFlight = cfg.Deduplication
	engine.EnableNetPoll = cfg.NetPoll
	// Request tracing and query plans show internals to any client that asks.
	engine.EnableRequestTracing = false
	if engine.WebSocketClientReadTimeout <= 0 {
		// Zero makes the subgraph WebSocket read loop spin and deliver nothing.
		return nil, errors.New("router defaults: zero websocket read timeout")
	}

	security := d.SecurityConfiguration
	security.ComplexityCalculationCache = &config.ComplexityCalculationCache{Enabled: true, CacheSize: 1024}
	security.ComplexityLimits = &config.ComplexityLimits{
		Depth:            limit(cfg.MaxDepth),
		TotalFields:      limit(cfg.MaxComplexity),
		RootFieldAliases: limit(cfg.MaxAliases),
	}

	upload := d.FileUpload
	upload.Enabled = true
	upload.MaxFileSizeBytes = config.BytesString(cfg.MaxUploadFileBytes)
	upload.MaxFiles = cfg.MaxUploadFiles

	traffic := d.TrafficShaping
	// The body limit covers multipart uploads too, so it must fit the largest
	// allowed upload plus its operations part.
	traffic.Router.MaxRequestBodyBytes = config.BytesString(max(int64(traffic.Router.MaxRequestBodyBytes), int64(cfg.MaxUploadFiles)*cfg.MaxUploadFileBytes+1<<20))
	timeout := cfg.RequestTimeout
	traffic.All.RequestTimeout = &timeout
	retry := traffic.All.BackoffJitterRetry

	errs := d.SubgraphErrorPropagation
	// Wrapped mode would hide subgraph errors inside one generic error;
	// clients act on extensions.code, so pass them through.
	errs.Enabled = true
	errs.Mode = config.SubgraphErrorPropagationModePassthrough
	errs.AllowedExtensionFields = []string{"code", "field"}

	corsCfg := cors.Config{
		Enabled:      true,
		AllowOrigins: cfg.CORSAllowedOrigins,
		AllowMethods: d.CORS.AllowMethods,
		AllowHeaders: append(d.CORS.AllowHeaders, "Authorization", httpserver.RequestIDHeader),
		// Lets browser clients read the id to quote in bug reports.
		ExposeHeaders: []string{httpserver.RequestIDHeader},
		// Platter authenticates with bearer tokens, never cookies.
		AllowCredentials: false,
		MaxAge:           d.CORS.MaxAge,
	}
	// The router panics on a bad CORS config; report it instead.
	if err := corsCfg.Validate(); err != nil {
		return nil, fmt.Errorf("CORS_ALLOWED_ORIGINS: %w", err)
	}

	metrics := rmetric.DefaultConfig(core.Version)
	metrics.OpenTelemetry.Enabled = false
	metrics.Prometheus.Enabled = metricsAddr != ""
	metrics.Prometheus.ListenAddr = metricsAddr
	metrics.Prometheus.Path = "/metrics"

	zl := newZapLogger(log.With("component", "cosmo"), engineLogLevel(cfg.LogLevel))

	opts := []core.Option{
		core.WithListenerAddr(addr),
		core.WithLogger(zl),
		core.WithStaticExecutionConfig(exec),
		core.WithOverrides(overrides),
		// Upstream reports usage to an outside host by default; a
		// self-hosted product sends nothing anywhere unasked.
		core.WithDisableUsageTracking(),
		core.WithGraphQLPath(GraphQLPath),
		core.WithIntrospection(cfg.Introspection),
		core.WithQueryPlans(false),
		// Both playground options: the deprecated boolean, when false,
		// switches the newer config off.
		core.WithPlayground(cfg.Playground),
		core.WithPlaygroundConfig(config.PlaygroundConfig{
			Enabled:          cfg.Playground,
			Path:             "/",
			ConcurrencyLimit: d.PlaygroundConfig.ConcurrencyLimit,
		}),
		core.WithHealthCheckPath(d.HealthCheckPath),
		core.WithLivenessCheckPath(d.LivenessCheckPath),
		core.WithReadinessCheckPath(d.ReadinessCheckPath),
		core.WithGracePeriod(httpserver.ShutdownTimeout),
		// Without a batching config the router panics building its mux.
		core.WithBatching(&core.BatchingConfig{
			Enabled:               cfg.MaxBatchSize > 0,
			MaxConcurrentRoutines: d.Batching.MaxConcurrency,
			MaxEntriesPerBatch:    max(cfg.MaxBatchSize, 1),
			OmitExtensions:        d.Batching.OmitExtensions,
		}),
		core.WithWebSocketConfiguration(&d.WebSocket),
		core.WithEngineExecutionConfig(engine),
		core.WithSecurityConfig(security),
		core.WithFileUploadConfig(&upload),
		core.WithRouterTrafficConfig(&traffic.Router),
		core.WithSubgraphTransportOptions(core.NewSubgraphTransportOptions(traffic)),
		// Upstream's retry of failed queries; mutations are never retried.
		core.WithSubgraphRetryOptions(retry.Enabled, retry.Algorithm, retry.MaxAttempts, retry.MaxDuration, retry.Interval, retry.Expression, nil),
		core.WithHeaderRules(config.HeaderRules{All: &config.GlobalHeaderRule{
			Request: []*config.RequestHeaderRule{
				{Operation: config.HeaderRuleOperationPropagate, Named: "Authorization"},
				{Operation: config.HeaderRuleOperationPropagate, Named: httpserver.RequestIDHeader},
			},
		}}),
		core.WithSubgraphErrorPropagation(errs),
		core.WithCors(&corsCfg),
		core.WithMetrics(metrics),
		core.WithAnonymization(&core.IPAnonymizationConfig{
			Enabled: d.Compliance.AnonymizeIP.Enabled,
			Method:  core.IPAnonymizationMethod(d.Compliance.AnonymizeIP.Method),
		}),
		core.WithLocalhostFallbackInsideDocker(d.LocalhostFallbackInsideDocker),
		core.WithClientHeader(d.ClientHeader),
		core.WithCustomModules(requests),
	}
	if cfg.AccessLogs {
		opts = append(opts, core.WithAccessLogs(&core.AccessLogsConfig{
			Logger: newZapLogger(log.With("component", "access"), zapcore.InfoLevel),
		}))
	}
	return opts, nil
}

// engineLogLevel keeps the embedded router at WARN (it logs every request
// and much start-up detail at INFO) unless debugging.
func engineLogLevel(level slog.Level) zapcore.Level {
	switch {
	case level <= slog.LevelDebug:
		return zapcore.DebugLevel
	case level >= slog.LevelError:
		return zapcore.ErrorLevel
	}
	return zapcore.WarnLevel
}

func limit(n int) *config.ComplexityLimit {
	return &config.ComplexityLimit{Enabled: n > 0, Limit: n}
}

// subgraphOverrides checks the overridden names against the execution
// config and fills in subscription URLs. A subgraph whose routing URL is
// overridden but not its subscription URL keeps subscribing next to its
// routing URL (same host, port and path; ws for WebSocket subscriptions)
// when it did so in the composed config, which is the usual case.
func subgraphOverrides(exec *nodev1.RouterConfig, routing, subscription map[string]string) (config.OverridesConfiguration, error) {
	out := config.OverridesConfiguration{Subgraphs: map[string]config.SubgraphOverridesConfiguration{}}
	sources := map[string]*nodev1.DataSourceConfiguration{}
	for _, ds := range exec.GetEngineConfig().GetDatasourceConfigurations() {
		sources[ds.GetId()] = ds
	}
	known := map[string]*nodev1.DataSourceConfiguration{}
	for _, sg := range exec.GetSubgraphs() {
		known[sg.GetName()] = sources[sg.GetId()]
	}
	var errs []error
	for _, m := range []map[string]string{routing, subscription} {
		for name := range m {
			if _, ok := known[name]; !ok {
				errs = append(errs, fmt.Errorf("subgraph %q is not in the execution config", name))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return out, err
	}

	for name, ds := range known {
		o := config.SubgraphOverridesConfiguration{RoutingURL: routing[name], SubscriptionURL: subscription[name]}
		if o.RoutingURL != "" && o.SubscriptionURL == "" && ds != nil {
			o.SubscriptionURL = followRoutingURL(ds, o.RoutingURL)
		}
		if o != (config.SubgraphOverridesConfiguration{}) {
			out.Subgraphs[name] = o
		}
	}
	return out, nil
}

// followRoutingURL returns the subscription URL matching newRouting, or ""
// when the composed subscription URL was not beside the routing URL.
func followRoutingURL(ds *nodev1.DataSourceConfiguration, newRouting string) string {
	gql := ds.GetCustomGraphql()
	oldRouting, err1 := url.Parse(gql.GetFetch().GetUrl().GetStaticVariableContent())
	oldSub, err2 := url.Parse(gql.GetSubscription().GetUrl().GetStaticVariableContent())
	next, err3 := url.Parse(newRouting)
	if err1 != nil || err2 != nil || err3 != nil || oldRouting.Host != oldSub.Host || oldRouting.Path != oldSub.Path {
		return ""
	}
	sub := *next
	if strings.HasPrefix(oldSub.Scheme, "ws") {
		sub.Scheme = "ws"
		if next.Scheme == "https" {
			sub.Scheme = "wss"
		}
	}
	return sub.String()
}

// reserve binds addr once to find its port (":0" picks a free one) and to
// surface a taken port as an error, then frees it for the router to bind.
func reserve(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s: %w", addr, err)
	}
	_, port, err := net.SplitHostPort(ln.Addr().String())
	_ = ln.Close()
	if err != nil {
		return "", err
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(host, port), nil
}

// dialAddr is addr with a wildcard host replaced by loopback.
func dialAddr(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// waitListening waits until addr accepts connections: the router's Start
// returns before its listener goroutine has bound.
func waitListening(ctx context.Context, addr string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			return conn.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening on %s after 5s (see the router's error log): %w", addr, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}
