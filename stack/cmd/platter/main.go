// Command platter is Platter's operator tool:
//
//	platter dev                  everything in one process on embedded defaults
//	platter admin create         create an ADMIN account (services mode)
//	platter keys generate        print a new token signing key pair
//	platter events dlq list      show a subscriber's dead-lettered events
//	platter events dlq replay    send dead-lettered events back to their subscriber
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/stack/dev"
	"github.com/platterhq/platter/subgraphs/customer/account"
	customer "github.com/platterhq/platter/subgraphs/customer/service"
)

func main() {
	httpserver.Main("platter", func(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
		return run(ctx, os.Args[1:], getenv, stdout)
	})
}

const usage = `usage:
  platter dev [-data DIR] [-addr :4000]
  platter admin create -email EMAIL -password PASSWORD [-name NAME]
  platter keys generate
  platter events dlq list -subscriber NAME
  platter events dlq replay -subscriber NAME (-id ID | -all)`

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	switch {
	case len(args) >= 1 && args[0] == "dev":
		return runDev(ctx, args[1:], getenv, stdout)
	case len(args) >= 2 && args[0] == "admin" && args[1] == "create":
		return runAdminCreate(ctx, args[2:], getenv, stdout)
	case len(args) >= 2 && args[0] == "events" && args[1] == "dlq":
		return runEventsDLQ(ctx, args[2:], getenv, stdout)
	case len(args) >= 2 && args[0] == "keys" && args[1] == "generate":
		return runKeysGenerate(stdout)
	}
	return errors.New(usage)
}

func runDev(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	dataDir := fs.String("data", envOr(getenv, "PLATTER_DATA_DIR", ".data"), "directory for every store's files")
	addr := fs.String("addr", envOr(getenv, "ROUTER_ADDR", ":4000"), "router listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := logging.New(stdout, logging.Text, logging.ParseLevel(getenv("LOG_LEVEL")))
	fmt.Fprintf(stdout, "Platter dev mode, data in %s\n", *dataDir)
	s, err := dev.Start(ctx, dev.Options{
		DataDir:          *dataDir,
		RouterAddr:       *addr,
		MetricsAddr:      envOr(getenv, "ROUTER_METRICS_ADDR", "127.0.0.1:8088"),
		GoogleMapsAPIKey: getenv("GOOGLE_MAPS_API_KEY"),
		Log:              log,
		Out:              stdout,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Router and playground: %s (Ctrl-C stops)\n", s.RouterURL)
	return s.Serve(ctx)
}

// runAdminCreate grants ADMIN through the customer service's own rules, with
// the customer subgraph's services-mode configuration (MONGO_URI, ...).
func runAdminCreate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	email := fs.String("email", "", "the admin's email")
	password := fs.String("password", "", "the admin's password (at least 8 characters)")
	name := fs.String("name", "Administrator", "the admin's name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" || *password == "" {
		return errors.New("admin create needs -email and -password")
	}
	cfg, err := config.LoadCustomer(getenv)
	if err != nil {
		return err
	}
	svc, err := customer.Open(ctx, cfg, logging.New(io.Discard, logging.Text, 0))
	if err != nil {
		return err
	}
	defer svc.Close()
	c, created, err := svc.Accounts.EnsureAdmin(ctx, account.SignUp{Name: *name, Email: *email, Password: *password})
	if err != nil {
		return err
	}
	if !created {
		return fmt.Errorf("%s is already registered (customer %s); nothing changed", *email, c.ID)
	}
	fmt.Fprintf(stdout, "admin %s created (customer %s)\n", c.Email, c.ID)
	return nil
}

func runKeysGenerate(stdout io.Writer) error {
	privPEM, err := auth.GenerateKey()
	if err != nil {
		return err
	}
	priv, err := auth.ParsePrivateKey(privPEM)
	if err != nil {
		return err
	}
	pubPEM, err := auth.PublicKeyPEM(priv)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# JWT_SIGNING_KEY (customer, vendor, deliveryman; keep secret)\n%s\n# JWT_PUBLIC_KEYS (every service)\n%s", privPEM, pubPEM)
	return nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
