// Package redisdb opens go-redis clients from a URL, or an embedded
// Redis-protocol server for the one-process dev mode.
package redisdb

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Open parses a redis:// URL and returns a client. It does not fail when the
// server is down: callers that can work without Redis decide what to do.
func Open(rawURL string) (*redis.Client, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	opts.DialTimeout = 2 * time.Second
	opts.ReadTimeout = time.Second
	opts.WriteTimeout = time.Second
	return redis.NewClient(opts), nil
}

// Ping checks the server answers.
func Ping(ctx context.Context, c *redis.Client) error {
	return c.Ping(ctx).Err()
}

// Embedded is an in-process Redis-protocol server (miniredis): fine for dev
// mode, never for benchmarks (its geo search scans every member).
type Embedded struct{ srv *miniredis.Miniredis }

// StartEmbedded starts the embedded server on a free loopback port.
func StartEmbedded() (*Embedded, error) {
	srv, err := miniredis.Run()
	if err != nil {
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	return &Embedded{srv: srv}, nil
}

// URL is the redis:// URL of the embedded server.
func (e *Embedded) URL() string { return "redis://" + e.srv.Addr() }

// Close stops the server.
func (e *Embedded) Close() { e.srv.Close() }
