package main

import (
	"context"
	"testing"

	"github.com/platterhq/platter/internal/blob"
	"github.com/platterhq/platter/internal/testenv"
)

// run serves from the environment alone, without REDIS_URL (nothing uses
// Redis yet), until its context ends.
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
	testenv.RunRejectsConfig(t, run, map[string]string{"GCS_ENDPOINT": "ftp://x"}, "JWT_PUBLIC_KEYS", "GCS_BUCKET", "GCS_ENDPOINT")
}
