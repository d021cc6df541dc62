// Command compose composes supergraph.yaml into the router's execution
// config and the client-facing supergraph SDL. Run it from the repository
// root (make compose):
//
//	go run ./router/cmd/compose [-config supergraph.yaml] [-out-config router/supergraph/execution-config.json] [-out-sdl schema/supergraph.graphql] [-check]
//
// With -check it writes nothing and fails when either output is stale.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/platterhq/platter/router/compose"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("compose", flag.ContinueOnError)
	configPath := fs.String("config", "supergraph.yaml", "composition input in rover's supergraph format")
	outConfig := fs.String("out-config", "router/supergraph/execution-config.json", "where to write the router execution config")
	outSDL := fs.String("out-sdl", "schema/supergraph.graphql", "where to write the client-facing supergraph SDL")
	check := fs.Bool("check", false, "write nothing; fail when an output is missing or stale")
	if err := fs.Parse(args); err != nil {
		return err
	}

	subgraphs, err := compose.Load(*configPath)
	if err != nil {
		return err
	}
	res, err := compose.Compose(subgraphs)
	if err != nil {
		return err
	}

	outputs := []struct {
		path string
		data []byte
	}{
		{*outConfig, res.ExecutionConfig},
		{*outSDL, []byte(res.SDL)},
	}
	var stale []error
	for _, o := range outputs {
		if *check {
			current, err := os.ReadFile(o.path)
			if err != nil || !bytes.Equal(current, o.data) {
				stale = append(stale, fmt.Errorf("%s is stale: run make compose", o.path))
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(o.path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(o.path, o.data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", o.path)
	}
	if err := errors.Join(stale...); err != nil {
		return err
	}
	if *check {
		fmt.Fprintf(stdout, "composed %d subgraphs: outputs are fresh\n", len(subgraphs))
	}
	return nil
}
