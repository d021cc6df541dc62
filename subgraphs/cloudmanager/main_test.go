package main

import (
	"context"
	"testing"

	"github.com/platterhq/platter/internal/blob"
	"github.com/platterhq/platter/internal/testenv"
)

// run serves from the environment alone, without REDIS_URL (geocoding then
// runs uncached) and without a signing key (one is generated for the
// emulator), until its context ends.
func TestRunServesUntilCancelled(t *testing.T) {
	emu, err := blob.StartEmulator(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	if err := emu.CreateBucket(context.Background(), "media"); err != nil {
		t.Fatal(err)
	}
	testenv.RunUntilHealthy(t, run, map[string]string{
		"JWT_PUBLIC_KEYS": testenv.Keys(t).PublicPEM,
		"GCS_BUCKET":      "media",
		"GCS_ENDPOINT":    emu.URL(),
	})
}

func TestRunReportsEveryConfigProblem(t *testing.T) {
	testenv.RunRejectsConfig(t, run, map[string]string{
		"GCS_ENDPOINT": "ftp://x", "GCS_SIGNER_EMAIL": "media@example.com", "ASSET_MAX_BYTES": "lots", "ASSET_URL_TTL": "8d",
		"GEOCODE_QUOTA_PER_MINUTE": "0",
	}, "JWT_PUBLIC_KEYS", "GCS_BUCKET", "GCS_ENDPOINT", "GCS_SIGNER_EMAIL", "ASSET_MAX_BYTES", "ASSET_URL_TTL", "GEOCODE_QUOTA_PER_MINUTE")
	// Against Google itself, image URLs need a service account's key.
	testenv.RunRejectsConfig(t, run, map[string]string{"JWT_PUBLIC_KEYS": testenv.Keys(t).PublicPEM, "GCS_BUCKET": "media"},
		"GOOGLE_APPLICATION_CREDENTIALS")
}
