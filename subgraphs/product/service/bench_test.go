package service_test

import (
	"fmt"
	"testing"
)

// BenchmarkProducts lists the first page of products through the GraphQL
// handler over HTTP, on SQLite, one request at a time and concurrently.
func BenchmarkProducts(b *testing.B) {
	s := open(b)
	for i := range 200 {
		c := s.a
		if i%2 == 1 {
			c = s.b
		}
		s.createProduct(b, c, map[string]any{"title": fmt.Sprintf("Dish %03d", i), "description": "A dish worth benchmarking"})
	}
	const query = `{ products(first: 20) { edges { cursor node { id title price { amount currency } finalPrice { amount } available vendor { id } } } pageInfo { hasNextPage endCursor } } }`
	var page struct{ Products connection }
	s.anon.MustData(b, query, nil, &page)
	if len(page.Products.Edges) != 20 {
		b.Fatalf("%d edges", len(page.Products.Edges))
	}

	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			s.anon.MustData(b, query, nil, nil)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				s.anon.MustData(b, query, nil, nil)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
}
