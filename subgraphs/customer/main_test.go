package main

import (
	"testing"

	"github.com/platterhq/platter/internal/testenv"
)

func TestRunServesUntilCancelled(t *testing.T) {
	uri, db := testenv.Mongo(t)
	testenv.RunUntilHealthy(t, run, map[string]string{
		"MONGO_URI": uri, "MONGO_DATABASE": db, "JWT_SIGNING_KEY": testenv.Keys(t).SigningPEM, "LOG_FORMAT": "json",
	})
}

func TestRunReportsEveryConfigProblem(t *testing.T) {
	testenv.RunRejectsConfig(t, run, map[string]string{"LOG_FORMAT": "yaml"}, "MONGO_URI", "JWT_SIGNING_KEY", "LOG_FORMAT")
}
