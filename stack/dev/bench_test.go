package dev_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/stack/dev"
)

// BenchmarkOrderWithCustomer compares one federated query through the
// router with the subgraph calls it stands for, made directly: the order
// from shopping, then the customer entity from customer. It prints
// requests/s and latency percentiles; it asserts nothing about speed.
func BenchmarkOrderWithCustomer(b *testing.B) {
	s, _ := startStack(b, b.TempDir())
	token := signIn(b, s.RouterURL+"/graphql", dev.CustomerEmail, dev.DemoPassword)

	federated := request{s.RouterURL + "/graphql", `query($id: ID!) { order(id: $id) { number status customer { id name } } }`, map[string]any{"id": demo.PlacedOrderID}}
	orderOnly := request{s.SubgraphURLs["shopping"], `query($id: ID!) { order(id: $id) { number status customer { id } } }`, map[string]any{"id": demo.PlacedOrderID}}
	entity := request{s.SubgraphURLs["customer"], `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name } } }`,
		map[string]any{"r": []map[string]any{{"__typename": "Customer", "id": demo.CustomerID}}}}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 128}}
	for _, c := range []int{1, 32} {
		b.Run(fmt.Sprintf("router/clients=%d", c), func(b *testing.B) {
			load(b, c, func() error { return federated.do(client, token) })
		})
		b.Run(fmt.Sprintf("direct/clients=%d", c), func(b *testing.B) {
			load(b, c, func() error {
				if err := orderOnly.do(client, token); err != nil {
					return err
				}
				return entity.do(client, token)
			})
		})
	}
}

// BenchmarkProductsWithVendorName is the catalogue's home page: the first
// 20 products with prices and their vendors' names, through the router
// (product, then a batched vendor entity call, served from the vendor
// cache), beside the two subgraph calls made directly.
func BenchmarkProductsWithVendorName(b *testing.B) {
	s, _ := startStack(b, b.TempDir())
	federated := request{s.RouterURL + "/graphql", `{ products(first: 20) { edges { node { title finalPrice { amount currency } vendor { name } } } } }`, nil}
	productsOnly := request{s.SubgraphURLs["product"], `{ products(first: 20) { edges { node { title finalPrice { amount currency } vendor { id } } } } }`, nil}
	var reps []map[string]any
	for _, v := range demo.Vendors {
		reps = append(reps, map[string]any{"__typename": "Vendor", "id": v.ID})
	}
	vendors := request{s.SubgraphURLs["vendor"], `query($r: [_Any!]!) { _entities(representations: $r) { ... on Vendor { name } } }`, map[string]any{"r": reps}}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 128}}
	for _, c := range []int{1, 32} {
		b.Run(fmt.Sprintf("router/clients=%d", c), func(b *testing.B) {
			load(b, c, func() error { return federated.do(client, "") })
		})
		b.Run(fmt.Sprintf("direct/clients=%d", c), func(b *testing.B) {
			load(b, c, func() error {
				if err := productsOnly.do(client, ""); err != nil {
					return err
				}
				return vendors.do(client, "")
			})
		})
	}
}

type request struct {
	url   string
	query string
	vars  map[string]any
}

func (r request) do(client *http.Client, token string) error {
	body, _ := json.Marshal(map[string]any{"query": r.query, "variables": r.vars})
	req, _ := http.NewRequest(http.MethodPost, r.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || bytes.Contains(raw, []byte(`"errors"`)) {
		return fmt.Errorf("status %d: %s", resp.StatusCode, raw)
	}
	return nil
}

// load runs b.N calls of op from clients goroutines and reports
// requests/s, p50 and p99.
func load(b *testing.B, clients int, op func() error) {
	latencies := make([]time.Duration, b.N)
	var next atomic.Int64
	var failures atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				if err := op(); err != nil {
					if failures.Add(1) == 1 {
						b.Error(err)
					}
				}
				latencies[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}
