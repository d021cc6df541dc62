package main

import (
	"testing"

	"github.com/platterhq/platter/internal/testenv"
)

func TestRunServesUntilCancelled(t *testing.T) {
	testenv.RunUntilHealthy(t, run, map[string]string{
		"DATABASE_URL":    testenv.SQLite(t),
		"JWT_SIGNING_KEY": testenv.Keys(t).SigningPEM,
	})
}

func TestRunReportsEveryConfigProblem(t *testing.T) {
	testenv.RunRejectsConfig(t, run, nil, "DATABASE_URL", "JWT_SIGNING_KEY")
}
