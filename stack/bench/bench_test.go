package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	var sorted []time.Duration
	for i := 1; i <= 100; i++ {
		sorted = append(sorted, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := percentile(sorted, c.p); got != c.want {
			t.Errorf("p%.0f = %s, want %s", c.p, got, c.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("p50 of nothing = %s, want 0", got)
	}
}

func TestResultAddsRoundsUp(t *testing.T) {
	r := &result{}
	r.add(sample{requests: 100, errors: 1, elapsed: time.Second, latencies: []time.Duration{3, 1}, firstErr: "first", peakRSS: 10, cpu: 50 * time.Millisecond,
		byKind: map[string]kindStats{"cart": {2, 4 * time.Millisecond}}})
	r.add(sample{requests: 300, elapsed: time.Second, latencies: []time.Duration{2}, firstErr: "second", peakRSS: 30, cpu: 150 * time.Millisecond,
		byKind: map[string]kindStats{"cart": {2, 8 * time.Millisecond}}})
	r.finish()
	if r.rps() != 200 || r.errors != 1 || r.firstErr != "first" || r.peakRSS != 30 {
		t.Errorf("rps %v errors %d first %q peak %d, want 200, 1, first, 30", r.rps(), r.errors, r.firstErr, r.peakRSS)
	}
	if r.cpuPerRequest() != 500*time.Microsecond {
		t.Errorf("cpu per request %s, want 500µs", r.cpuPerRequest())
	}
	if r.latencies[0] != 1 || r.latencies[2] != 3 {
		t.Errorf("latencies not sorted: %v", r.latencies)
	}
	if m := r.byKind["cart"].mean(); m != 3*time.Millisecond {
		t.Errorf("cart mean %s, want 3ms", m)
	}
}

func TestReplaceBetweenKeepsTheRestOfTheFile(t *testing.T) {
	doc := "# Benchmarks\n\nintro\n\n" + docsBegin + "\nold figures\n" + docsEnd + "\n\n## After\n"
	got, err := replaceBetween(doc, "new figures\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# Benchmarks\n\nintro\n\n" + docsBegin + "\n\nnew figures\n\n" + docsEnd + "\n\n## After\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	again, _ := replaceBetween(got, "newer\n")
	if strings.Count(again, docsBegin) != 1 || !strings.Contains(again, "newer") || strings.Contains(again, "new figures") {
		t.Errorf("a second run did not replace the first:\n%s", again)
	}
}

func TestReplaceBetweenAppendsMarkersWhenMissing(t *testing.T) {
	got, err := replaceBetween("# Benchmarks\n", "figures")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got, docsBegin+"\n\nfigures\n\n"+docsEnd+"\n") || !strings.HasPrefix(got, "# Benchmarks\n\n") {
		t.Errorf("got %q", got)
	}
	if _, err := replaceBetween(docsEnd+"\n"+docsBegin, "x"); err == nil {
		t.Error("markers out of order accepted")
	}
}

func TestSmokeFlagsShrinkTheRunButExplicitFlagsWin(t *testing.T) {
	o, err := parseFlags([]string{"-smoke", "-customers", "20"})
	if err != nil {
		t.Fatal(err)
	}
	if o.sizes.Vendors != 4 || o.sizes.Customers != 20 || len(o.clients) != 1 || o.docs != "" || o.rounds != 1 {
		t.Errorf("smoke options: %+v", o)
	}
	full, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if full.sizes.Vendors != 200 || full.sizes.Products != 5000 || full.sizes.Customers != 1000 || len(full.clients) != 3 || full.docs == "" {
		t.Errorf("default options: %+v", full)
	}
	for _, bad := range [][]string{{"-clients", "1,x"}, {"-clients", "0"}, {"-vendors", "10", "-products", "5"}, {"-rounds", "0"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestSpreadAndThousands(t *testing.T) {
	parts := spread(5000, 200)
	sum := 0
	for _, p := range parts {
		sum += p
	}
	if sum != 5000 || parts[0] != 25 {
		t.Errorf("spread: sum %d, first %d", sum, parts[0])
	}
	if got := spread(7, 3); got[0] != 3 || got[1] != 2 || got[2] != 2 {
		t.Errorf("spread(7, 3) = %v", got)
	}
	for v, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567"} {
		if got := thousands(v); got != want {
			t.Errorf("thousands(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestCPUTimeReadsThisProcess(t *testing.T) {
	d, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d < 0 {
		t.Errorf("cpu time %s", d)
	}
	if peakRSS(os.Getpid()) <= 0 {
		t.Error("no peak RSS for this process")
	}
}
