package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunWritesThenChecks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("dishes.graphqls", `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { dish(id: ID!): Dish }
type Dish @key(fields: "id") { id: ID! name: String! }
`)
	yaml := write("supergraph.yaml", `subgraphs:
  dishes:
    routing_url: http://127.0.0.1:4001/graphql
    schema: {file: dishes.graphqls}
`)
	outConfig := filepath.Join(dir, "out", "execution-config.json")
	outSDL := filepath.Join(dir, "out", "supergraph.graphql")
	args := []string{"-config", yaml, "-out-config", outConfig, "-out-sdl", outSDL}

	if err := run(append(args, "-check"), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "make compose") {
		t.Fatalf("check before writing: err = %v, want a stale report", err)
	}
	if err := run(args, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if err := run(append(args, "-check"), &bytes.Buffer{}); err != nil {
		t.Fatalf("check after writing: %v", err)
	}
	sdl, _ := os.ReadFile(outSDL)
	if !strings.Contains(string(sdl), "dish(id: ID!): Dish") {
		t.Fatalf("SDL:\n%s", sdl)
	}

	write("dishes.graphqls", `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { dish(id: ID!): Dish }
type Dish @key(fields: "id") { id: ID! name: String! price: Int }
`)
	if err := run(append(args, "-check"), &bytes.Buffer{}); err == nil {
		t.Fatal("check passed after the schema changed")
	}
}
