package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/testenv"
)

func TestAdminCreate(t *testing.T) {
	uri, db := testenv.Mongo(t)
	env := config.MapEnv(map[string]string{"MONGO_URI": uri, "MONGO_DATABASE": db, "JWT_SIGNING_KEY": testenv.Keys(t).SigningPEM})
	ctx := context.Background()
	args := []string{"admin", "create", "-email", "Root@Example.com", "-password", "long enough"}

	var out bytes.Buffer
	if err := run(ctx, args, env, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "admin root@example.com created") {
		t.Fatalf("output: %s", out.String())
	}
	// A second run changes nothing and says so.
	err := run(ctx, args, env, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "already registered") {
		t.Fatalf("second run: %v", err)
	}
	bad := []string{"admin", "create", "-email", "root2@example.com", "-password", "short"}
	if err := run(ctx, bad, env, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("short password: %v", err)
	}
	if err := run(ctx, []string{"admin", "create", "-email", "x@example.com", "-password", "long enough"}, config.MapEnv(nil), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "MONGO_URI") {
		t.Fatalf("without configuration: %v", err)
	}
}

func TestKeysGenerate(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"keys", "generate"}, config.MapEnv(nil), &out); err != nil {
		t.Fatal(err)
	}
	priv, err := auth.ParsePrivateKey(out.Bytes())
	if err != nil {
		t.Fatalf("private key: %v", err)
	}
	pubs, err := auth.ParsePublicKeys(out.Bytes()[strings.Index(out.String(), "# JWT_PUBLIC_KEYS"):])
	if err != nil || len(pubs) != 1 || !bytes.Equal(priv.Public().(ed25519.PublicKey), pubs[0]) {
		t.Fatalf("public key %v does not match the private key", err)
	}
	// The pair configures a service.
	if _, err := auth.LoadKeySet(string(out.Bytes()), ""); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownCommand(t *testing.T) {
	err := run(context.Background(), []string{"frobnicate"}, config.MapEnv(nil), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("got %v", err)
	}
}
