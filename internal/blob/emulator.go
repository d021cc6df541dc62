package blob

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/googleapi"
)

// Emulator is an in-process GCS emulator serving over plain HTTP on
// loopback. It keeps objects under a folder, so they survive restarts. A
// client opened on its URL signs URLs for its host; ask for plain HTTP
// (SignedURLOptions.Insecure) since it serves no TLS. It checks no
// signatures.
type Emulator struct {
	fake *fakestorage.Server
	http *http.Server
	done chan struct{}
	url  string
}

// StartEmulator serves the buckets stored under dir (created if missing) on
// a free loopback port until Close.
func StartEmulator(dir string) (*Emulator, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("blob emulator: %w", err)
	}
	// The port must be known before the emulator is built: downloads and
	// signed URLs are answered only when the request's Host equals its
	// public host, so that has to be this exact host:port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("blob emulator: %w", err)
	}
	host := ln.Addr().String()
	fake, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme:      "http",
		Host:        "127.0.0.1",
		StorageRoot: dir,
		PublicHost:  host,
		ExternalURL: "http://" + host,
		NoListener:  true,
	})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("blob emulator: %w", err)
	}
	e := &Emulator{
		fake: fake,
		http: &http.Server{Handler: fake.HTTPHandler(), ReadHeaderTimeout: 10 * time.Second},
		done: make(chan struct{}),
		url:  "http://" + host,
	}
	go func() {
		defer close(e.done)
		_ = e.http.Serve(ln)
	}()
	return e, nil
}

// URL is the emulator's base URL: the endpoint to give OpenBucket.
func (e *Emulator) URL() string { return e.url }

// CreateBucket creates the bucket unless it exists already.
func (e *Emulator) CreateBucket(ctx context.Context, name string) error {
	bucket, closeClient, err := OpenBucket(ctx, e.url, name)
	if err != nil {
		return err
	}
	defer closeClient() //nolint:errcheck
	err = bucket.Create(ctx, "platter", nil)
	var apiErr *googleapi.Error
	if errors.As(err, &apiErr) && apiErr.Code == http.StatusConflict {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	return nil
}

// Close stops serving and waits for the server to finish.
func (e *Emulator) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := e.http.Shutdown(ctx)
	<-e.done
	e.fake.Stop()
	return err
}
