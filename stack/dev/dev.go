// Package dev runs all of Platter in one process on embedded defaults: the
// seven subgraphs on their own loopback ports, the router in front of them,
// SQLite files and an embedded MongoDB-wire server under one data directory,
// an embedded Redis-protocol server, and demo data.
package dev

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/blob"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/httpserver"
	"github.com/platterhq/platter/internal/storage/ferret"
	"github.com/platterhq/platter/internal/storage/redisdb"
	"github.com/platterhq/platter/router"
)

// Options configure a dev stack.
type Options struct {
	// DataDir holds every store's files and the dev signing key.
	DataDir string
	// RouterAddr is where the router listens (":4000"; ":0" for a free port).
	RouterAddr string
	// MetricsAddr is the router's Prometheus address ("" disables).
	MetricsAddr string
	// FreePorts puts every subgraph on a free port instead of its fixed
	// port from supergraph.yaml; the router follows. Tests use it.
	FreePorts bool
	// GoogleMapsAPIKey lets dev mode geocode real addresses; without it
	// only the demo addresses are known.
	GoogleMapsAPIKey string
	// WrapSubgraph, when set, wraps each subgraph's handler: tests count the
	// requests the router makes to a subgraph with it.
	WrapSubgraph func(name string, h http.Handler) http.Handler
	// Log receives every component's records.
	Log *slog.Logger
	// Out receives the start-up lines meant for people.
	Out io.Writer
}

// Stack is a running dev stack.
type Stack struct {
	RouterURL string
	// SubgraphURLs maps each subgraph name to its GraphQL URL.
	SubgraphURLs map[string]string

	router         *router.Router
	servers        []*httpserver.Server
	closers        []func()
	stopBackground context.CancelFunc
}

// devBucket holds dev mode's uploaded images in the storage emulator.
const devBucket = "platter-dev"

// DemoPassword is the password of every demo account (dev mode only).
const DemoPassword = demo.Password

// Demo sign-in details, printed at start.
const (
	AdminEmail    = "admin@platter.local"
	CustomerEmail = "customer@platter.local"
)

// Start opens the stores and every subgraph, seeds demo data, and starts
// the router. Serve then runs it until its context ends.
func Start(ctx context.Context, opts Options) (_ *Stack, err error) {
	log := opts.Log
	// Relays and event handlers run until the stack closes, whatever
	// happens to the caller's start-up context.
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	s := &Stack{SubgraphURLs: map[string]string{}, stopBackground: stopBackground}
	defer func() {
		if err != nil {
			s.close()
		}
	}()

	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, err
	}
	signer, err := auth.LoadOrCreateKeyFile(filepath.Join(dataDir, "jwt-signing-key.pem"))
	if err != nil {
		return nil, fmt.Errorf("dev signing key: %w", err)
	}
	keys, err := devAuth(signer)
	if err != nil {
		return nil, err
	}

	mongo, err := ferret.Start(filepath.Join(dataDir, "mongo"), log)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, mongo.Close)
	redis, err := redisdb.StartEmbedded()
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, redis.Close)

	blobs, err := blob.StartEmulator(filepath.Join(dataDir, "gcs"))
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { _ = blobs.Close() })
	if err := blobs.CreateBucket(ctx, devBucket); err != nil {
		return nil, fmt.Errorf("dev bucket: %w", err)
	}

	// One in-process bus carries the events between the subgraphs, with the
	// same delivery rules as RabbitMQ; it closes after every subgraph.
	bus := events.NewMemoryBus(log.With("component", "events"))
	s.closers = append(s.closers, func() { _ = bus.Close() })

	subgraphs, err := s.openSubgraphs(ctx, bgCtx, stores{
		mongoURI: mongo.URI(), redisURL: redis.URL(), blobs: blobs, blobBucket: devBucket, mapsKey: opts.GoogleMapsAPIKey,
		dataDir: dataDir, keys: keys, bus: bus,
	}, log, opts.Out)
	if err != nil {
		return nil, err
	}

	overrides := map[string]string{}
	for _, sg := range subgraphs {
		addr := fmt.Sprintf("127.0.0.1:%d", sg.port)
		if opts.FreePorts {
			addr = "127.0.0.1:0"
		}
		h := sg.handler
		if opts.WrapSubgraph != nil {
			h = opts.WrapSubgraph(sg.name, h)
		}
		srv, err := httpserver.Listen(addr, h, log.With("service", sg.name))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sg.name, err)
		}
		s.servers = append(s.servers, srv)
		s.SubgraphURLs[sg.name] = srv.URL() + "/graphql"
		overrides[sg.name] = srv.URL() + "/graphql"
		fmt.Fprintf(opts.Out, "  %-13s %s\n", sg.name, srv.URL()+"/graphql")
	}

	rcfg, err := router.LoadConfig(config.MapEnv(nil))
	if err != nil {
		return nil, err
	}
	rcfg.Addr = opts.RouterAddr
	rcfg.MetricsAddr = opts.MetricsAddr
	rcfg.SubgraphURLs = overrides
	rcfg.LogFormat = "text"
	r, err := router.New(ctx, rcfg, log.With("service", "router"))
	if err != nil {
		return nil, err
	}
	s.router = r
	s.RouterURL = r.URL()
	return s, nil
}

// Serve serves every subgraph and the router until ctx ends, then stops
// them all and closes the stores.
func (s *Stack) Serve(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(s.servers)+1)
	for i, srv := range s.servers {
		wg.Go(func() { errs[i] = srv.Serve(ctx) })
	}
	errs[len(s.servers)] = s.router.Serve(ctx)
	wg.Wait()
	s.router = nil
	s.close()
	return errors.Join(errs...)
}

func (s *Stack) close() {
	s.stopBackground()
	if s.router != nil {
		_ = s.router.Close()
	}
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// devKeys are the token settings every dev subgraph gets.
type devKeys struct {
	issuer   config.Auth // for subgraphs that sign in accounts
	verifier config.Auth // for the others
}

func devAuth(signer ed25519.PrivateKey) (devKeys, error) {
	signingPEM, err := auth.PrivateKeyPEM(signer)
	if err != nil {
		return devKeys{}, err
	}
	publicPEM, err := auth.PublicKeyPEM(signer)
	if err != nil {
		return devKeys{}, err
	}
	return devKeys{
		issuer:   config.Auth{SigningKeyPEM: string(signingPEM), AccessTTL: 15 * time.Minute, RefreshTTL: 14 * 24 * time.Hour},
		verifier: config.Auth{PublicKeysPEM: string(publicPEM)},
	}, nil
}
