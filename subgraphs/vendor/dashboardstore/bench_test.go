package dashboardstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/vendorsvc/dashboard"
)

// BenchmarkDaySeries measures a DAY series (30 local days) of a vendor
// with 10,000 orders in the window, read from the store and bucketed in
// Go, for each metric that reads orders. Another vendor's 10,000 orders
// share the collection. On the embedded server unless MONGO_URI is set
// (the embedded server scans the whole collection on every find).
func BenchmarkDaySeries(b *testing.B) {
	const perVendor = 10_000
	ctx := context.Background()
	uri, dbName := testenv.Mongo(b)
	client, err := mongodb.Connect(ctx, uri)
	if err != nil {
		b.Fatal(err)
	}
	defer client.Disconnect(ctx) //nolint:errcheck
	db := client.Database(dbName)
	if err := Migrate(ctx, db); err != nil {
		b.Fatal(err)
	}
	s := New(db)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	step := 30 * 24 * time.Hour / perVendor
	for _, vendor := range []string{"v1", "v2"} {
		docs := make([]any, 0, perVendor)
		for i := range perVendor {
			placed := now.Add(-time.Duration(i) * step).Truncate(time.Millisecond)
			o := dashboard.Order{
				ID: fmt.Sprintf("%s-%05d", vendor, i), VendorID: vendor, CustomerID: fmt.Sprintf("c%03d", i%500),
				Status: "PLACED", Total: events.Money{Amount: int64(500 + i%3000), Currency: "EUR"},
				PlacedAt: placed, Version: 1,
			}
			if i%10 != 0 { // nine in ten delivered, half an hour later
				o.Status, o.DeliveredAt = "DELIVERED", placed.Add(30*time.Minute)
			}
			docs = append(docs, toOrderDoc(o))
		}
		for start := 0; start < len(docs); start += 1000 {
			if _, err := s.orders.InsertMany(ctx, docs[start:min(start+1000, len(docs))]); err != nil {
				b.Fatal(err)
			}
		}
	}
	svc := dashboard.NewService(s)
	for _, metric := range []dashboard.Metric{dashboard.MetricOrders, dashboard.MetricEarnings} {
		b.Run(string(metric), func(b *testing.B) {
			var counted int
			start := time.Now()
			for b.Loop() {
				bs, err := svc.Series(ctx, "v1", paris, metric, dashboard.WindowDay, now)
				if err != nil {
					b.Fatal(err)
				}
				counted = 0
				for _, bk := range bs {
					counted += bk.Count + bk.Lost
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/series")
			b.ReportMetric(float64(counted), "orders/series")
		})
	}
	b.Run("TopCustomers", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			if _, err := svc.TopCustomers(ctx, "v1", 10, dashboard.WindowDay, paris, now); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/query")
	})
}
