package service_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/subgraphs/vendorsvc/service"
)

// BenchmarkVendorByID reads vendor(id) through the GraphQL handler, with
// the Redis cache (embedded Redis) and without it (Redis unreachable, so
// every read goes to the Mongo side: the embedded FerretDB here unless
// MONGO_URI is set). It reports reads per second and the median latency.
func BenchmarkVendorByID(b *testing.B) {
	b.Run("cached", func(b *testing.B) { benchVendorByID(b, "") })
	b.Run("uncached", func(b *testing.B) { benchVendorByID(b, "redis://127.0.0.1:1/0") })
}

func benchVendorByID(b *testing.B, redisURL string) {
	e := open(b, redisURL)
	if err := service.Seed(context.Background(), e.svc, logging.Discard()); err != nil {
		b.Fatal(err)
	}
	body := `{"query":"query($id: ID!) { vendor(id: $id) { id name about isOpen openNow openingHours { day } } }","variables":{"id":"` + demo.VendorID + `"}}`
	read := func() time.Duration {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		start := time.Now()
		e.svc.ServeHTTP(rec, req)
		took := time.Since(start)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Trattoria Platter") {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		return took
	}
	read() // warm the cache
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		lat = append(lat, read())
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reads/s")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)*99/100, len(lat)-1)].Microseconds())/1000, "p99-ms")
}
