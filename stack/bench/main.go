// Command bench compares Platter's router with Apollo Gateway and Hive
// Gateway in front of the same seven subgraph processes on real stores,
// and with the subgraphs called directly (the floor). Run it from the
// repository root (make bench):
//
//	go run ./stack/bench [-smoke] [-duration 8s] [-rounds 2] [-clients 1,8,32] ...
//
// It builds the subgraph and router binaries, installs the peer gateways
// with npm ci (stack/bench/package-lock.json), creates its own PostgreSQL
// and MariaDB databases, a RabbitMQ vhost, an empty Redis database, an
// embedded MongoDB-wire server and a storage emulator, seeds vendors,
// menus, product images, customers and carts through the subgraphs' APIs,
// then runs a fixed mix of client queries against every gateway in turn
// (A B C A B C ...) at each concurrency. It prints requests/s, latency
// percentiles, errors, each gateway's peak RSS and CPU per request, and
// writes them into docs/benchmarks.md. Everything it started or created is
// stopped or removed at the end, also on Ctrl-C. Figures are printed,
// never asserted.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/platterhq/platter/internal/auth"
)

type options struct {
	sizes    Sizes
	clients  []int
	duration time.Duration
	warmup   time.Duration
	rounds   int
	mixSize  int
	smoke    bool
	docs     string // the file the figures are written into; "" writes nothing
	keep     bool
	servers  Servers
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts, log); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		stop()
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	o := options{}
	fs.IntVar(&o.sizes.Vendors, "vendors", 200, "vendors to seed")
	fs.IntVar(&o.sizes.Products, "products", 5000, "products to seed over all vendors, each with an image")
	fs.IntVar(&o.sizes.Customers, "customers", 1000, "customers to seed, each with a cart")
	fs.IntVar(&o.sizes.CartItems, "cart-items", 3, "products in each cart")
	fs.IntVar(&o.sizes.Workers, "seed-workers", 8, "seeding requests in flight")
	clients := fs.String("clients", "1,8,32", "concurrent clients of each run, comma-separated")
	fs.DurationVar(&o.duration, "duration", 6*time.Second, "length of one run (one gateway, one concurrency, one round)")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "load each target gets before the first round, not measured")
	fs.IntVar(&o.rounds, "rounds", 2, "rounds; each runs every gateway at every concurrency, alternating gateways")
	fs.IntVar(&o.mixSize, "mix", 1000, "distinct requests in the query mix")
	fs.BoolVar(&o.smoke, "smoke", false, "a few seconds on a small seed at one concurrency, to prove the command works; writes no docs")
	fs.StringVar(&o.docs, "docs", "docs/benchmarks.md", "file to write the figures into (empty: none)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binaries, logs, supergraph) after the run")
	fs.StringVar(&o.servers.Postgres, "postgres", envOr("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "PostgreSQL admin URL")
	fs.StringVar(&o.servers.MySQL, "mysql", envOr("TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql"), "MariaDB/MySQL admin URL")
	fs.StringVar(&o.servers.Redis, "redis", envOr("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL")
	fs.StringVar(&o.servers.AMQP, "amqp", envOr("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"), "RabbitMQ URL")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.smoke {
		// Small defaults; flags given explicitly still win.
		smoke := map[string]func(){
			"vendors": func() { o.sizes.Vendors = 4 }, "products": func() { o.sizes.Products = 24 },
			"customers": func() { o.sizes.Customers = 8 }, "clients": func() { *clients = "4" },
			"duration": func() { o.duration = 2 * time.Second }, "warmup": func() { o.warmup = 500 * time.Millisecond },
			"rounds": func() { o.rounds = 1 }, "mix": func() { o.mixSize = 40 }, "docs": func() { o.docs = "" },
		}
		for name, apply := range smoke {
			if !set[name] {
				apply()
			}
		}
	}
	var err error
	if o.clients, err = parseInts(*clients); err != nil {
		return o, fmt.Errorf("-clients: %w", err)
	}
	switch {
	case o.sizes.Vendors < 1 || o.sizes.Products < o.sizes.Vendors || o.sizes.Customers < 1 || o.sizes.CartItems < 1 || o.sizes.Workers < 1:
		return o, errors.New("need at least 1 vendor, 1 product per vendor, 1 customer, 1 cart item and 1 seed worker")
	case o.duration <= 0 || o.rounds < 1 || o.mixSize < len(mixKinds):
		return o, fmt.Errorf("-duration must be positive, -rounds at least 1, -mix at least %d", len(mixKinds))
	}
	return o, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", p)
		}
		out = append(out, n)
	}
	return out, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// The subgraphs, in supergraph.yaml's order.
var subgraphNames = []string{"customer", "product", "shopping", "vendor", "deliveryman", "feedback", "cloudmanager"}

// bench is one run's state; close stops and removes all of it.
type bench struct {
	opts   options
	log    *slog.Logger
	root   string // repository root
	dir    string // temporary directory
	stores *stores

	subgraphs    map[string]*proc
	subgraphURLs map[string]string // GraphQL URLs
	gateways     []*target
	idleRSS      map[*target]int64
}

func run(ctx context.Context, opts options, log *slog.Logger) (err error) {
	began := time.Now()
	root, err := repoRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "platter-bench-")
	if err != nil {
		return err
	}
	b := &bench{opts: opts, log: log, root: root, dir: dir, subgraphs: map[string]*proc{}, subgraphURLs: map[string]string{}, idleRSS: map[*target]int64{}}
	defer b.close()

	log.Info("building binaries and installing the peer gateways", "dir", dir)
	if err := b.prepare(ctx); err != nil {
		return err
	}
	runID := randomHex(4)
	if b.stores, err = openStores(ctx, opts.servers, runID, dir, log); err != nil {
		return err
	}
	adminPassword := randomHex(12)
	if err := b.startSubgraphs(ctx, adminPassword); err != nil {
		return err
	}
	if err := b.startGateways(ctx); err != nil {
		return err
	}

	seedStart := time.Now()
	d, err := seed(ctx, b.subgraphURLs, adminEmail, adminPassword, opts.sizes, b.stores.keys, log)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	seedTook := time.Since(seedStart)

	tokens, err := signAll(b.stores.keys, d.customers)
	if err != nil {
		return err
	}
	setup := newClient(8)
	ops, err := buildMix(ctx, setup, b.subgraphURLs, d, tokens, opts.mixSize)
	if err != nil {
		return err
	}
	direct := &target{name: "direct", dedup: "-", client: newClient(64)}
	targets := append(append([]*target{}, b.gateways...), direct)
	for _, t := range b.gateways {
		if err := probe(ctx, t, ops, tokens); err != nil {
			log.Warn("gateway answers the mix with errors; measuring anyway", "gateway", t.label(), "error", err)
		}
	}

	// The full mix, and the same without carts: each cart costs the
	// customer subgraph a read of its product replica, which on the
	// embedded MongoDB-wire server outweighs any gateway (see the docs).
	mixes := []*mixResult{
		{name: "full", about: "3 in 10 browse, 4 product pages, 3 carts", ops: ops},
		{name: "catalog", about: "the full mix without its carts: 3 in 7 browse, 4 product pages", ops: withoutKind(ops, "cart")},
	}
	for _, m := range mixes {
		m.results = map[*target]map[int]*result{}
		for _, t := range targets {
			m.results[t] = map[int]*result{}
			for _, c := range opts.clients {
				m.results[t][c] = &result{target: t, clients: c}
			}
		}
	}
	idleCPU := measureIdleCPU(ctx, b.gateways, 3*time.Second)
	log.Info("warming up every target", "each", opts.warmup)
	for _, t := range targets {
		t.run(ctx, ops, tokens, min(8, slices.Max(opts.clients)), opts.warmup)
	}
	for round := 1; round <= opts.rounds; round++ {
		for _, m := range mixes {
			// Tokens live 15 minutes at most: each pass signs fresh ones.
			if tokens, err = signAll(b.stores.keys, d.customers); err != nil {
				return err
			}
			for _, c := range opts.clients {
				for _, t := range targets {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					s := t.run(ctx, m.ops, tokens, c, opts.duration)
					m.results[t][c].add(s)
					log.Info("run", "round", round, "mix", m.name, "clients", c, "target", t.label(), "req/s", fmt.Sprintf("%.0f", float64(s.requests)/s.elapsed.Seconds()), "errors", s.errors,
						"mean ms browse/product/cart", fmt.Sprintf("%s/%s/%s", kindMs(s.byKind["browse"]), kindMs(s.byKind["product"]), kindMs(s.byKind["cart"])))
				}
			}
		}
	}
	for _, m := range mixes {
		for _, byClients := range m.results {
			for _, r := range byClients {
				r.finish()
			}
		}
	}

	rep := &report{
		when: time.Now(), opts: opts, machine: describeMachine(ctx, root), sizes: opts.sizes, seeded: d, seedTook: seedTook,
		targets: targets, mixes: mixes, idleRSS: b.idleRSS, idleCPU: idleCPU, subgraphRSS: b.subgraphPeaks(), total: time.Since(began),
	}
	fmt.Println()
	fmt.Print(rep.markdown())
	if opts.docs != "" {
		path := opts.docs
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		if err := writeDocs(path, rep.markdown()); err != nil {
			return err
		}
		log.Info("figures written", "file", path)
	}
	return nil
}

const adminEmail = "admin@bench.platter.example"

// prepare builds the binaries and installs the peer gateways at the same
// time.
func (b *bench) prepare(ctx context.Context) error {
	buildErr := make(chan error, 1)
	go func() { buildErr <- build(ctx, b.root, filepath.Join(b.dir, "bin")) }()
	npmErr := npmCI(ctx, filepath.Join(b.root, "stack", "bench"), b.log)
	return errors.Join(<-buildErr, npmErr)
}

func (b *bench) startSubgraphs(ctx context.Context, adminPassword string) error {
	st := b.stores
	for _, name := range subgraphNames {
		port, err := freePort()
		if err != nil {
			return err
		}
		env := []string{
			"HTTP_ADDR=127.0.0.1:" + strconv.Itoa(port), "LOG_FORMAT=json", "LOG_LEVEL=warn",
			"JWT_PUBLIC_KEYS=" + st.publicPEM, "AMQP_URL=" + st.amqpURL,
		}
		switch name {
		case "customer":
			env = append(env, "JWT_SIGNING_KEY="+st.signingPEM, "MONGO_URI="+st.mongoURI, "MONGO_DATABASE=customer",
				"ADMIN_EMAIL="+adminEmail, "ADMIN_PASSWORD="+adminPassword)
		case "vendor":
			env = append(env, "JWT_SIGNING_KEY="+st.signingPEM, "MONGO_URI="+st.mongoURI, "MONGO_DATABASE=vendor", "REDIS_URL="+st.redisURL)
		case "deliveryman":
			env = append(env, "JWT_SIGNING_KEY="+st.signingPEM, "DATABASE_URL="+st.databases[name])
		case "product", "shopping", "feedback":
			env = append(env, "DATABASE_URL="+st.databases[name])
		case "cloudmanager":
			env = append(env, "REDIS_URL="+st.redisURL, "GCS_BUCKET="+st.bucket, "GCS_ENDPOINT="+st.blobs.URL(),
				"GCS_SIGNER_EMAIL="+st.urlSigner.AccessID(), "GCS_SIGNING_KEY="+string(st.urlSigner.PrivateKeyPEM()))
		}
		p, err := start(name, b.dir, b.dir, filepath.Join(b.dir, "bin", name), nil, env)
		if err != nil {
			return err
		}
		b.subgraphs[name] = p
		b.subgraphURLs[name] = fmt.Sprintf("http://127.0.0.1:%d/graphql", port)
	}
	for _, name := range subgraphNames {
		base := strings.TrimSuffix(b.subgraphURLs[name], "/graphql")
		if err := waitReady(ctx, b.subgraphs[name], 60*time.Second, httpOK(base+"/healthz")); err != nil {
			return err
		}
	}
	b.log.Info("subgraphs ready", "urls", b.subgraphURLs)
	return nil
}

// startGateways starts every gateway configuration in front of the
// subgraphs: Platter's router and Hive Gateway with request deduplication
// off and on, Apollo Gateway (which has no such switch). They all run for
// the whole bench; the idle ones take no CPU worth counting.
func (b *bench) startGateways(ctx context.Context) error {
	supergraph, err := b.composeSupergraph(ctx)
	if err != nil {
		return err
	}
	bench := filepath.Join(b.root, "stack", "bench")
	type spec struct {
		name, dedup string
		path        string
		args        func(port int) []string
		env         func(port int) []string
		ready       string // path of the readiness check; "" checks { __typename }
	}
	routerEnv := func(dedup string) func(int) []string {
		return func(port int) []string {
			env := []string{"ROUTER_ADDR=127.0.0.1:" + strconv.Itoa(port), "ROUTER_METRICS_ADDR=off", "ROUTER_PLAYGROUND=false",
				"ROUTER_DEDUPLICATION=" + strconv.FormatBool(dedup == "on"), "LOG_FORMAT=json", "LOG_LEVEL=warn"}
			for name, u := range b.subgraphURLs {
				env = append(env, "SUBGRAPH_"+strings.ToUpper(name)+"_URL="+u)
			}
			return env
		}
	}
	nodeEnv := func(int) []string { return []string{"NODE_ENV=production"} }
	apollo := func(port int) []string { return []string{"gateways.mjs", "apollo", supergraph, strconv.Itoa(port)} }
	hive := func(dedup string) func(int) []string {
		return func(port int) []string {
			return []string{"gateways.mjs", "hive", supergraph, strconv.Itoa(port), dedup}
		}
	}
	specs := []spec{
		{name: "platter", dedup: "off", path: filepath.Join(b.dir, "bin", "router"), env: routerEnv("off"), ready: "/health/ready"},
		{name: "apollo", dedup: "-", path: "node", args: apollo, env: nodeEnv},
		{name: "hive", dedup: "off", path: "node", args: hive("off"), env: nodeEnv},
		{name: "platter", dedup: "on", path: filepath.Join(b.dir, "bin", "router"), env: routerEnv("on"), ready: "/health/ready"},
		{name: "hive", dedup: "on", path: "node", args: hive("on"), env: nodeEnv},
	}
	for _, s := range specs {
		port, err := freePort()
		if err != nil {
			return err
		}
		var args []string
		if s.args != nil {
			args = s.args(port)
		}
		logName := s.name + "-dedup-" + s.dedup
		p, err := start(logName, bench, b.dir, s.path, args, s.env(port))
		if err != nil {
			return err
		}
		t := &target{name: s.name, dedup: s.dedup, url: fmt.Sprintf("http://127.0.0.1:%d/graphql", port), proc: p, client: newClient(64)}
		b.gateways = append(b.gateways, t)
		check := graphqlOK(t.url)
		if s.ready != "" {
			check = httpOK(fmt.Sprintf("http://127.0.0.1:%d%s", port, s.ready))
		}
		if err := waitReady(ctx, p, 90*time.Second, check); err != nil {
			return err
		}
		if st, err := procStatus(p.pid()); err == nil {
			b.idleRSS[t] = st["VmRSS"] << 10
		}
		b.log.Info("gateway ready", "gateway", t.label(), "url", t.url)
	}
	return nil
}

// composeSupergraph writes the Federation supergraph SDL both peers load,
// composed by Apollo's composition from the same schema files (and
// subgraph URLs) Platter's router is composed from.
func (b *bench) composeSupergraph(ctx context.Context) (string, error) {
	type sub struct {
		Name       string `json:"name"`
		URL        string `json:"url"`
		SchemaFile string `json:"schemaFile"`
	}
	var subs []sub
	for _, name := range subgraphNames {
		subs = append(subs, sub{name, b.subgraphURLs[name], filepath.Join(b.root, "schema", name, "schema.graphqls")})
	}
	in, _ := json.Marshal(subs)
	inPath, out := filepath.Join(b.dir, "subgraphs.json"), filepath.Join(b.dir, "supergraph.graphql")
	if err := os.WriteFile(inPath, in, 0o644); err != nil {
		return "", err
	}
	cmd := commandIn(ctx, filepath.Join(b.root, "stack", "bench"), "node", "gateways.mjs", "compose", inPath, out)
	if o, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("compose the supergraph for the peers: %w\n%s", err, o)
	}
	return out, nil
}

// probe sends one of each kind of op through a gateway and reports the
// first error, so that a gateway that cannot answer the mix is named
// before its figures.
func probe(ctx context.Context, t *target, ops []op, tokens []string) error {
	seen := map[string]bool{}
	for i := range ops {
		o := &ops[i]
		if seen[o.kind] {
			continue
		}
		seen[o.kind] = true
		token := ""
		if o.caller >= 0 {
			token = tokens[o.caller]
		}
		if err := t.do(ctx, o, token); err != nil {
			return fmt.Errorf("%s: %w", o.kind, err)
		}
	}
	return nil
}

// measureIdleCPU is the share of one CPU each gateway takes while no
// request reaches it: every gateway runs for the whole bench, so what the
// idle ones take is taken from the one measured.
func measureIdleCPU(ctx context.Context, gateways []*target, window time.Duration) map[*target]float64 {
	before := map[*target]time.Duration{}
	for _, t := range gateways {
		before[t], _ = cpuTime(t.proc.pid())
	}
	select {
	case <-ctx.Done():
	case <-time.After(window):
	}
	out := map[*target]float64{}
	for _, t := range gateways {
		if after, err := cpuTime(t.proc.pid()); err == nil {
			out[t] = float64(after-before[t]) / float64(window)
		}
	}
	return out
}

// withoutKind returns the ops not of kind, in order.
func withoutKind(ops []op, kind string) []op {
	var out []op
	for _, o := range ops {
		if o.kind != kind {
			out = append(out, o)
		}
	}
	return out
}

// signAll signs a fresh token for every customer, in order.
func signAll(keys *auth.KeySet, customers []seededCustomer) ([]string, error) {
	out := make([]string, len(customers))
	for i, c := range customers {
		t, err := sign(keys, c.identity)
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

func (b *bench) subgraphPeaks() map[string]int64 {
	out := map[string]int64{}
	for name, p := range b.subgraphs {
		out[name] = peakRSS(p.pid())
	}
	return out
}

// close stops the gateways, then the subgraphs, then removes the stores
// and the temporary directory.
func (b *bench) close() {
	for _, t := range b.gateways {
		t.proc.stop(10 * time.Second)
	}
	for _, p := range b.subgraphs {
		p.stop(15 * time.Second)
	}
	if b.stores != nil {
		b.stores.close()
	}
	if b.opts.keep {
		b.log.Info("kept", "dir", b.dir)
		return
	}
	_ = os.RemoveAll(b.dir)
}

// repoRoot is the nearest directory upwards holding go.work.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the repository (no go.work found upwards)")
		}
		dir = parent
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
