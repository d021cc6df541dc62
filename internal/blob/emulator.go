package blob

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"html"
	"maps"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/googleapi"
)

// Emulator is an in-process GCS emulator serving over plain HTTP on
// loopback. It keeps objects under a folder, so they survive restarts. A
// client opened on its URL signs URLs for its host; ask for plain HTTP
// (SignedURLOptions.Insecure) since it serves no TLS. The emulator itself
// checks no signatures; after RequireSignatures, requests that carry a V4
// signature are checked as Cloud Storage would check them.
type Emulator struct {
	fake    *fakestorage.Server
	http    *http.Server
	done    chan struct{}
	url     string
	signers atomic.Pointer[map[string]*rsa.PublicKey]
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
		done: make(chan struct{}),
		url:  "http://" + host,
	}
	e.http = &http.Server{Handler: e.checkSignatures(fake.HTTPHandler()), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(e.done)
		_ = e.http.Serve(ln)
	}()
	return e, nil
}

// RequireSignatures makes the emulator refuse a signed URL that Cloud
// Storage would refuse (bad signature, expired, unknown signer), answering
// as Cloud Storage does with an XML error. keys maps each accepted service
// account to its public key. Requests without a signature (the storage
// client's own) are served as before.
func (e *Emulator) RequireSignatures(keys map[string]*rsa.PublicKey) {
	cp := maps.Clone(keys)
	e.signers.Store(&cp)
}

func (e *Emulator) checkSignatures(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys := e.signers.Load()
		if keys == nil || !r.URL.Query().Has("X-Goog-Signature") {
			next.ServeHTTP(w, r)
			return
		}
		if _, err := VerifyRequest(r, *keys, time.Now()); err != nil {
			status, code := http.StatusForbidden, "SignatureDoesNotMatch"
			switch {
			case errors.Is(err, ErrExpired):
				status, code = http.StatusBadRequest, "ExpiredToken"
			case errors.Is(err, ErrMalformedSignedRQ), errors.Is(err, ErrUnknownSigner):
				status, code = http.StatusBadRequest, "AuthenticationRequired"
			}
			w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
			w.WriteHeader(status)
			_, _ = fmt.Fprintf(w, "<?xml version='1.0' encoding='UTF-8'?><Error><Code>%s</Code><Message>%s</Message></Error>", code, html.EscapeString(err.Error()))
			return
		}
		next.ServeHTTP(w, r)
	})
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
