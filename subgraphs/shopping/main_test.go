package main

import (
	"testing"

	"github.com/platterhq/platter/internal/testenv"
)

// TestRun starts the binary's run on a free port, waits until /healthz
// answers and stops it: configuration, migrations and serving wired as in
// production.
func TestRun(t *testing.T) {
	testenv.RunUntilHealthy(t, run, map[string]string{
		"DATABASE_URL":    testenv.SQLite(t),
		"JWT_PUBLIC_KEYS": testenv.Keys(t).PublicPEM,
	})
}

func TestRunReportsMissingConfiguration(t *testing.T) {
	testenv.RunRejectsConfig(t, run, nil, "DATABASE_URL", "JWT_PUBLIC_KEYS")
}
