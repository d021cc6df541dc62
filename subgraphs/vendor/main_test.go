package main

import (
	"testing"

	"github.com/platterhq/platter/internal/testenv"
)

// run serves from the environment alone until its context ends.
func TestRunServesUntilCancelled(t *testing.T) {
	uri, db := testenv.Mongo(t)
	served := testenv.RunUntilHealthy(t, run, map[string]string{
		"JWT_SIGNING_KEY": testenv.Keys(t).SigningPEM,
		"MONGO_URI":       uri,
		"MONGO_DATABASE":  db,
		"REDIS_URL":       testenv.Redis(t),
	})
	if served.Checks["redis"] != "up" || served.Checks["mongodb"] != "up" {
		t.Fatalf("healthz checks %+v", served.Checks)
	}
}

func TestRunReportsConfigurationMistakes(t *testing.T) {
	testenv.RunRejectsConfig(t, run, map[string]string{"REDIS_URL": "http://x"}, "JWT_SIGNING_KEY", "MONGO_URI", "REDIS_URL")
}
