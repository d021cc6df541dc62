package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// report is one bench run's figures.
type report struct {
	when        time.Time
	opts        options
	machine     machine
	sizes       Sizes
	seeded      *data
	seedTook    time.Duration
	targets     []*target
	mixes       []*mixResult
	idleRSS     map[*target]int64
	idleCPU     map[*target]float64 // share of one CPU with no load
	subgraphRSS map[string]int64
	total       time.Duration
}

// mixResult is the figures of one query mix.
type mixResult struct {
	name    string
	about   string
	ops     []op
	results map[*target]map[int]*result
}

// The goals of the gateway comparison (see docs/benchmarks.md).
const (
	goalVsApollo = 4.0
	goalVsHive   = 4.5
	goalOfFloor  = 0.5
	goalPeakRSS  = 150 << 20
)

func (r *report) find(name, dedup string) *target {
	for _, t := range r.targets {
		if t.name == name && t.dedup == dedup {
			return t
		}
	}
	return nil
}

// markdown renders the figures as the dated section written into the docs
// (and printed).
func (r *report) markdown() string {
	var b strings.Builder
	m := r.machine
	fmt.Fprintf(&b, "### %s: %d vendors, %d products, %d customers; %d CPUs\n\n", r.when.Format("2006-01-02"), len(r.seeded.vendors), len(r.seeded.products), len(r.seeded.customers), m.cpus)
	fmt.Fprintf(&b, "- Machine: `nproc` %d, %s, %s memory; Go %s, Node.js %s.\n", m.cpus, m.cpuModel, m.memory, strings.TrimPrefix(m.goVer, "go"), m.nodeVer)
	fmt.Fprintf(&b, "- Gateways: Platter's router (Cosmo router %s embedded, precomposed config); Apollo Gateway %s with @apollo/server %s; Hive Gateway %s; both peers on a supergraph composed by @apollo/composition %s, graphql %s, one Node.js process each.\n",
		m.router, m.packages["@apollo/gateway"], m.packages["@apollo/server"], m.packages["@graphql-hive/gateway"], m.packages["@apollo/composition"], m.packages["graphql"])
	fmt.Fprintf(&b, "- Data: %d vendors within %.0f km of one point, each with a logo and a menu of %d sections; %d products, each with its own image; %d customers with %d cart items each. Seeded through the subgraphs' GraphQL APIs in %s.\n",
		len(r.seeded.vendors), cityRadiusKm, len(sectionNames), len(r.seeded.products), len(r.seeded.customers), r.sizes.CartItems, r.seedTook.Round(time.Second))
	fmt.Fprintf(&b, "- Load: a mix of %d requests cycled in a fixed order, 3 in 10 browse (5 nearest vendors with menus and image URLs), 4 product pages, 3 carts (each customer's own token), and the same without its carts; %s per run, %d round(s) alternating the targets within each mix and concurrency, %s warm-up each; figures over all rounds. The whole command took %s.\n\n",
		r.opts.mixSize, r.opts.duration, r.opts.rounds, r.opts.warmup, r.total.Round(time.Second))

	for _, mr := range r.mixes {
		b.WriteString(r.mixMarkdown(mr))
	}

	b.WriteString("Memory, idle CPU and errors:\n\n")
	var idle []string
	for _, t := range r.targets {
		if t.proc != nil {
			idle = append(idle, fmt.Sprintf("%s %s MB", t.label(), mb(r.idleRSS[t])))
		}
	}
	fmt.Fprintf(&b, "- RSS right after start, before any load: %s.\n", strings.Join(idle, ", "))
	var idleCPU []string
	for _, t := range r.targets {
		if t.proc != nil {
			idleCPU = append(idleCPU, fmt.Sprintf("%s %.1f%%", t.label(), 100*r.idleCPU[t]))
		}
	}
	fmt.Fprintf(&b, "- CPU taken with no load (share of one CPU; every gateway runs for the whole bench): %s.\n", strings.Join(idleCPU, ", "))
	var subs []string
	for _, name := range subgraphNames {
		subs = append(subs, fmt.Sprintf("%s %s", name, mb(r.subgraphRSS[name])))
	}
	fmt.Fprintf(&b, "- Subgraph processes' peak RSS over the whole bench (MB): %s.\n", strings.Join(subs, ", "))
	for _, mr := range r.mixes {
		for _, t := range r.targets {
			for _, c := range r.opts.clients {
				if res := mr.results[t][c]; res.firstErr != "" {
					fmt.Fprintf(&b, "- First error of %s, mix %q, %d clients: `%s`\n", t.label(), mr.name, c, oneLine(res.firstErr, 200))
					break
				}
			}
		}
	}
	return b.String()
}

// mixMarkdown renders one mix's tables, ratios and goals.
func (r *report) mixMarkdown(mr *mixResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#### Mix %q (%s, %d requests)\n\n", mr.name, mr.about, len(mr.ops))
	b.WriteString("| target | clients | req/s | p50 ms | p99 ms | errors | peak RSS MB | gateway CPU µs/req |\n|---|---|---|---|---|---|---|---|\n")
	for _, c := range r.opts.clients {
		for _, t := range r.targets {
			res := mr.results[t][c]
			rss, cpu := "-", "-"
			if t.proc != nil {
				rss = mb(res.peakRSS)
				if d := res.cpuPerRequest(); d > 0 {
					cpu = fmt.Sprintf("%.0f", float64(d)/float64(time.Microsecond))
				}
			}
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %d | %s | %s |\n", t.label(), c, thousands(res.rps()), ms(percentile(res.latencies, 50)), ms(percentile(res.latencies, 99)), res.errors, rss, cpu)
		}
	}

	low := slices.Min(r.opts.clients)
	fmt.Fprintf(&b, "\nMean latency of each kind of request at %d client(s), ms (what one request costs when nothing waits):\n\n", low)
	b.WriteString("| target | browse | product page | cart |\n|---|---|---|---|\n")
	for _, t := range r.targets {
		k := mr.results[t][low].byKind
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.label(), kindMs(k["browse"]), kindMs(k["product"]), kindMs(k["cart"]))
	}

	platter, apollo, hive, direct := r.find("platter", "off"), r.find("apollo", "-"), r.find("hive", "off"), r.find("direct", "-")
	b.WriteString("\nRatios, deduplication off everywhere (direct: the same subgraph calls made one after the other without a gateway, the floor):\n\n")
	b.WriteString("| clients | Platter / Apollo req/s | Platter / Hive req/s | p99 ms Platter / Apollo / Hive | Platter / direct req/s |\n|---|---|---|---|---|\n")
	for _, c := range r.opts.clients {
		p, a, h, d := mr.results[platter][c], mr.results[apollo][c], mr.results[hive][c], mr.results[direct][c]
		fmt.Fprintf(&b, "| %d | %s | %s | %s / %s / %s | %s |\n", c, ratio(p.rps(), a.rps()), ratio(p.rps(), h.rps()),
			ms(percentile(p.latencies, 99)), ms(percentile(a.latencies, 99)), ms(percentile(h.latencies, 99)), percent(p.rps(), d.rps()))
	}

	b.WriteString("\nDeduplication on, against off (req/s):")
	for _, name := range []string{"platter", "hive"} {
		on, off := r.find(name, "on"), r.find(name, "off")
		var parts []string
		for _, c := range r.opts.clients {
			parts = append(parts, fmt.Sprintf("%d clients %s", c, ratio(mr.results[on][c].rps(), mr.results[off][c].rps())))
		}
		fmt.Fprintf(&b, " %s %s;", name, strings.Join(parts, ", "))
	}
	b.WriteString(" Apollo Gateway has no such switch.\n\n")

	b.WriteString(r.goals(mr, platter, apollo, hive, direct))
	b.WriteString("\n")
	return b.String()
}

// goals says, for each goal of the comparison, whether this run met it.
func (r *report) goals(mr *mixResult, platter, apollo, hive, direct *target) string {
	var vsApollo, vsHive, ofFloor, p99 []string
	okApollo, okHive, okFloor, okP99 := true, true, true, true
	var peak int64
	for _, c := range r.opts.clients {
		p, a, h, d := mr.results[platter][c], mr.results[apollo][c], mr.results[hive][c], mr.results[direct][c]
		vsApollo = append(vsApollo, ratio(p.rps(), a.rps()))
		vsHive = append(vsHive, ratio(p.rps(), h.rps()))
		ofFloor = append(ofFloor, percent(p.rps(), d.rps()))
		okApollo = okApollo && p.rps() >= goalVsApollo*a.rps()
		okHive = okHive && p.rps() >= goalVsHive*h.rps()
		okFloor = okFloor && p.rps() >= goalOfFloor*d.rps()
		pp := percentile(p.latencies, 99)
		lower := pp < percentile(a.latencies, 99) && pp < percentile(h.latencies, 99)
		okP99 = okP99 && lower
		p99 = append(p99, fmt.Sprintf("%d clients %s", c, map[bool]string{true: "lower", false: "not lower"}[lower]))
		peak = max(peak, p.peakRSS)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Goals (issue 7), mix %q:\n\n", mr.name)
	fmt.Fprintf(&b, "- Platter ≥ %.0f× Apollo Gateway's req/s: %s (%s).\n", goalVsApollo, met(okApollo), strings.Join(vsApollo, ", "))
	fmt.Fprintf(&b, "- Platter ≥ %.1f× Hive Gateway's req/s: %s (%s).\n", goalVsHive, met(okHive), strings.Join(vsHive, ", "))
	fmt.Fprintf(&b, "- Platter's p99 lower than both peers' at every concurrency: %s (%s).\n", met(okP99), strings.Join(p99, ", "))
	fmt.Fprintf(&b, "- Platter ≥ %.0f%% of the direct floor: %s (%s).\n", goalOfFloor*100, met(okFloor), strings.Join(ofFloor, ", "))
	fmt.Fprintf(&b, "- Router peak RSS under %d MB: %s (%s MB at most).\n", goalPeakRSS>>20, met(peak > 0 && peak < goalPeakRSS), mb(peak))
	return b.String()
}

// kindMs is the mean latency of a kind in ms, "-" when the mix has none.
func kindMs(k kindStats) string {
	if k.n == 0 {
		return "-"
	}
	return ms(k.mean())
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func percent(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*a/b)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

func mb(bytes int64) string {
	if bytes <= 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f", float64(bytes)/(1<<20))
}

// thousands formats a rate with a thousands separator, as the docs do.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "`", "'")), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// The figures live between these markers in docs/benchmarks.md; a run
// replaces what is between them and leaves the rest of the file alone.
const (
	docsBegin = "<!-- make bench: gateway figures begin (written by stack/bench; edit outside these markers) -->"
	docsEnd   = "<!-- make bench: gateway figures end -->"
)

// writeDocs puts section between the markers of the file at path, adding
// the markers at the end when the file has none.
func writeDocs(path, section string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	updated, err := replaceBetween(string(old), section)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(updated), 0o644)
}

func replaceBetween(doc, section string) (string, error) {
	block := docsBegin + "\n\n" + strings.TrimSpace(section) + "\n\n" + docsEnd
	i, j := strings.Index(doc, docsBegin), strings.Index(doc, docsEnd)
	switch {
	case i < 0 && j < 0:
		return strings.TrimRight(doc, "\n") + "\n\n" + block + "\n", nil
	case i < 0 || j < i:
		return "", fmt.Errorf("the markers %q and %q are not in order", docsBegin, docsEnd)
	}
	return doc[:i] + block + doc[j+len(docsEnd):], nil
}
