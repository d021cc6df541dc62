package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// npmCI installs the exact peer gateway versions of package-lock.json into
// dir/node_modules. A stamp with the lock file's hash lets a later run
// skip the install when nothing changed.
func npmCI(ctx context.Context, dir string, log *slog.Logger) error {
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(lock)
	want := hex.EncodeToString(sum[:])
	stamp := filepath.Join(dir, "node_modules", ".platter-bench-lock")
	if got, err := os.ReadFile(stamp); err == nil && string(got) == want {
		log.Info("peer gateways already installed", "dir", filepath.Join(dir, "node_modules"))
		return nil
	}
	// No install scripts: none of these packages needs one to run, and
	// skipping them keeps the install to the registry's tarballs.
	cmd := commandIn(ctx, dir, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in %s: %w\n%s", dir, err, out)
	}
	return os.WriteFile(stamp, []byte(want), 0o644)
}

func commandIn(ctx context.Context, dir, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	return cmd
}

// machine is what the figures were measured on and with.
type machine struct {
	cpus     int
	cpuModel string
	memory   string
	goVer    string
	nodeVer  string
	router   string            // the Cosmo router module version Platter embeds
	packages map[string]string // npm package -> installed version
}

var peerPackages = []string{"@apollo/gateway", "@apollo/server", "@apollo/composition", "@graphql-hive/gateway", "graphql"}

func describeMachine(ctx context.Context, root string) machine {
	m := machine{cpus: runtime.NumCPU(), goVer: runtime.Version(), packages: map[string]string{}}
	m.cpuModel = procField("/proc/cpuinfo", "model name")
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		var n int64
		if _, err := fmt.Sscanf(kb, "%d kB", &n); err == nil {
			m.memory = fmt.Sprintf("%.0f GiB", float64(n)/(1<<20))
		}
	}
	if out, err := exec.CommandContext(ctx, "node", "--version").Output(); err == nil {
		m.nodeVer = strings.TrimSpace(string(out))
	}
	if mod, err := os.ReadFile(filepath.Join(root, "router", "go.mod")); err == nil {
		for _, line := range strings.Split(string(mod), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "github.com/wundergraph/cosmo/router" {
				m.router = f[1]
			}
		}
	}
	for _, p := range peerPackages {
		raw, err := os.ReadFile(filepath.Join(root, "stack", "bench", "node_modules", p, "package.json"))
		if err != nil {
			continue
		}
		var pkg struct{ Version string }
		if json.Unmarshal(raw, &pkg) == nil {
			m.packages[p] = pkg.Version
		}
	}
	return m
}

// procField returns the value of the first "key: value" line of a /proc
// file.
func procField(path, key string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
