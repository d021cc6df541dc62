package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// target is what the load is sent to: a gateway's URL, or the subgraphs
// themselves (direct), one call after another per op.
type target struct {
	name   string // as printed: platter, apollo, hive, direct
	dedup  string // "off", "on", or "-" where the gateway has no switch
	url    string // the gateway's GraphQL URL; empty for direct
	proc   *proc  // the gateway process; nil for direct
	client *client
}

func (t *target) label() string {
	if t.dedup == "-" {
		return t.name
	}
	return t.name + " (dedup " + t.dedup + ")"
}

// sample is one run's measurements.
type sample struct {
	requests  int
	errors    int
	elapsed   time.Duration
	latencies []time.Duration // of every request, failed ones included
	firstErr  string
	peakRSS   int64         // bytes; 0 when unknown
	cpu       time.Duration // the gateway process's CPU time during the run
	byKind    map[string]kindStats
}

// kindStats sums the latencies of one kind of op.
type kindStats struct {
	n     int
	total time.Duration
}

func (k kindStats) mean() time.Duration {
	if k.n == 0 {
		return 0
	}
	return k.total / time.Duration(k.n)
}

// run sends ops from clients concurrent clients for dur, each client
// taking the next op of the shared cycle, and measures the target.
func (t *target) run(ctx context.Context, ops []op, tokens []string, clients int, dur time.Duration) sample {
	var s sample
	var cpu0 time.Duration
	if t.proc != nil {
		resetPeakRSS(t.proc.pid())
		cpu0, _ = cpuTime(t.proc.pid())
	}
	var next atomic.Int64
	var errs atomic.Int64
	var firstErr atomic.Pointer[string]
	per := make([][]time.Duration, clients)
	kinds := make([]map[string]kindStats, clients)
	stop := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 4096)
			byKind := map[string]kindStats{}
			for time.Now().Before(stop) && ctx.Err() == nil {
				o := &ops[int(next.Add(1)-1)%len(ops)]
				token := ""
				if o.caller >= 0 {
					token = tokens[o.caller]
				}
				t0 := time.Now()
				err := t.do(ctx, o, token)
				d := time.Since(t0)
				lat = append(lat, d)
				k := byKind[o.kind]
				byKind[o.kind] = kindStats{k.n + 1, k.total + d}
				if err != nil {
					errs.Add(1)
					msg := fmt.Sprintf("%s: %v", o.kind, err)
					firstErr.CompareAndSwap(nil, &msg)
				}
			}
			per[w] = lat
			kinds[w] = byKind
		})
	}
	wg.Wait()
	s.elapsed = time.Since(start)
	for _, l := range per {
		s.latencies = append(s.latencies, l...)
	}
	s.requests = len(s.latencies)
	s.byKind = map[string]kindStats{}
	for _, m := range kinds {
		for kind, k := range m {
			sum := s.byKind[kind]
			s.byKind[kind] = kindStats{sum.n + k.n, sum.total + k.total}
		}
	}
	s.errors = int(errs.Load())
	if p := firstErr.Load(); p != nil {
		s.firstErr = *p
	}
	if t.proc != nil {
		s.peakRSS = peakRSS(t.proc.pid())
		if cpu1, err := cpuTime(t.proc.pid()); err == nil {
			s.cpu = cpu1 - cpu0
		}
	}
	return s
}

// do sends one op: its query to the gateway, or its direct calls in turn.
func (t *target) do(ctx context.Context, o *op, token string) error {
	if t.url != "" {
		return check(t.client.post(ctx, t.url, token, "application/json", o.body))
	}
	for _, c := range o.direct {
		if err := check(t.client.post(ctx, c.url, token, "application/json", c.body)); err != nil {
			return err
		}
	}
	return nil
}

// check fails an answer that carries GraphQL errors; a complete answer has
// none (partial data with errors counts as an error).
func check(raw []byte, err error) error {
	if err != nil {
		return err
	}
	if bytes.Contains(raw, []byte(`"errors"`)) {
		return fmt.Errorf("errors in answer: %.300s", raw)
	}
	return nil
}

// result is the measurements of one target at one concurrency over every
// round.
type result struct {
	target    *target
	clients   int
	requests  int
	errors    int
	elapsed   time.Duration
	latencies []time.Duration // sorted once all rounds are in
	firstErr  string
	peakRSS   int64
	cpu       time.Duration
	byKind    map[string]kindStats
}

func (r *result) add(s sample) {
	r.requests += s.requests
	r.errors += s.errors
	r.elapsed += s.elapsed
	r.latencies = append(r.latencies, s.latencies...)
	if r.firstErr == "" {
		r.firstErr = s.firstErr
	}
	r.peakRSS = max(r.peakRSS, s.peakRSS)
	r.cpu += s.cpu
	if r.byKind == nil {
		r.byKind = map[string]kindStats{}
	}
	for kind, k := range s.byKind {
		sum := r.byKind[kind]
		r.byKind[kind] = kindStats{sum.n + k.n, sum.total + k.total}
	}
}

func (r *result) finish() { slices.Sort(r.latencies) }

// rps is successful and failed requests per second over all rounds.
func (r *result) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// percentile of the sorted latencies (nearest rank), 0 when there are none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// cpuPerRequest is the gateway's CPU time per request, 0 when unknown.
func (r *result) cpuPerRequest() time.Duration {
	if r.requests == 0 || r.cpu == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.requests)
}
