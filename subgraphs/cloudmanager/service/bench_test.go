package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/blob"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/gqlsrv"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
	"github.com/platterhq/platter/subgraphs/cloudmanager/gcsstore"
	"github.com/platterhq/platter/subgraphs/cloudmanager/graph"
	"github.com/platterhq/platter/subgraphs/cloudmanager/mediatest"
)

// BenchmarkEntityURLs resolves 100 assets with their signed URLs in one
// _entities call through the subgraph's handler and prints signed URLs/s:
// "fresh" signs every URL (the first time a list is shown), "reused" is
// the service as configured, handing out URLs that still have more than
// half their life. The metadata reads from the emulator are part of each
// call.
func BenchmarkEntityURLs(b *testing.B) {
	e := open(b)
	ids := seedAssets(b, e, 100)
	body, _ := json.Marshal(map[string]any{"query": entitiesQuery, "variables": map[string]any{"r": entityReps(ids)}})

	// The same schema and handler over an asset service that keeps no URL.
	ctx := context.Background()
	bucket, closeBucket, err := blob.OpenBucket(ctx, e.emu.URL(), bucketName)
	if err != nil {
		b.Fatal(err)
	}
	defer closeBucket() //nolint:errcheck
	signer, err := blob.GenerateSigner(blob.DevAccessID)
	if err != nil {
		b.Fatal(err)
	}
	fresh := asset.NewService(asset.Deps{
		Store: gcsstore.New(bucket), Objects: gcsstore.NewObjects(bucket), Signer: signer.ForBucket(bucket, e.emu.URL()),
		Outbox: gcsstore.NewOutbox(bucket, gcsstore.OutboxOptions{}), Limits: asset.Limits{URLCacheEntries: -1},
	})
	keys, err := auth.LoadKeySet("", e.keys.PublicPEM)
	if err != nil {
		b.Fatal(err)
	}
	freshSrv := httptest.NewServer(gqlsrv.NewHandler(graph.NewSchema(graph.Deps{Assets: fresh, Log: logging.Discard()}), keys, logging.Discard(), gqlsrv.Options{}))
	defer freshSrv.Close()

	for _, tc := range []struct{ name, url string }{{"fresh", freshSrv.URL + "/graphql"}, {"reused", e.endpoint()}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				resp, err := http.Post(tc.url, "application/json", bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				var out struct {
					Data struct {
						Entities []struct{ URL string } `json:"_entities"`
					}
					Errors []any
				}
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if err != nil || len(out.Errors) > 0 || len(out.Data.Entities) != 100 || out.Data.Entities[99].URL == "" {
					b.Fatalf("entities: %v %+v", err, out.Errors)
				}
			}
			b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "urls/s")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/call")
		})
	}
}

// BenchmarkSignURL signs one URL locally, without the GraphQL and storage
// around it.
func BenchmarkSignURL(b *testing.B) {
	e := open(b)
	signer, err := blob.GenerateSigner(blob.DevAccessID)
	if err != nil {
		b.Fatal(err)
	}
	urls := signer.ForBucket(e.bucket, e.emu.URL())
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := urls.SignedURL("gallery/owner/0190c6b2-1c6a-7c55-9d5e-3f1a2b3c4d5e", http.MethodGet, "", time.Now().Add(30*time.Minute)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "urls/s")
}

// BenchmarkUploadImage uploads 1 MB PNGs through the subgraph's handler
// (multipart parse, type check, write to the emulator, metadata) and
// prints MB/s.
func BenchmarkUploadImage(b *testing.B) {
	e := open(b, withMaxBytes(2<<20))
	token := e.token("vendor-1", auth.RoleVendor)
	images := make([][]byte, 4)
	for i := range images {
		images[i] = mediatest.NoisyPNG(b, 1<<20, uint64(i+1))
	}
	var sent int64
	i := 0
	for b.Loop() {
		img := images[i%len(images)]
		i++
		body, contentType := mediatest.Body(b, mediatest.UploadImage, map[string]any{"file": nil, "purpose": "GALLERY"},
			mediatest.File{Var: "variables.file", Name: "big.png", Data: img})
		req, _ := http.NewRequest(http.MethodPost, e.endpoint(), body)
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || bytes.Contains(raw, []byte(`"errors"`)) {
			b.Fatalf("upload: %d %s", resp.StatusCode, raw)
		}
		sent += int64(len(img))
	}
	b.ReportMetric(float64(sent)/(1<<20)/b.Elapsed().Seconds(), "MB/s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "uploads/s")
}

func withMaxBytes(n int64) func(*config.Cloudmanager) {
	return func(c *config.Cloudmanager) { c.AssetMaxBytes = n }
}
