package blob_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"cloud.google.com/go/storage"

	"github.com/platterhq/platter/internal/blob"
)

func startEmulator(t *testing.T, dir string) *blob.Emulator {
	t.Helper()
	e, err := blob.StartEmulator(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func openBucket(t *testing.T, e *blob.Emulator, name string) *storage.BucketHandle {
	t.Helper()
	ctx := context.Background()
	if err := e.CreateBucket(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := e.CreateBucket(ctx, name); err != nil {
		t.Fatalf("create an existing bucket: %v", err)
	}
	b, closeClient, err := blob.OpenBucket(ctx, e.URL(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeClient() })
	return b
}

func write(t *testing.T, b *storage.BucketHandle, name, contentType, body string) {
	t.Helper()
	w := b.Object(name).NewWriter(context.Background())
	w.ContentType = contentType
	if _, err := io.WriteString(w, body); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, b *storage.BucketHandle, name string) string {
	t.Helper()
	r, err := b.Object(name).NewReader(context.Background())
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(got)
}

func TestWriteReadThroughTheRealClient(t *testing.T) {
	ctx := context.Background()
	b := openBucket(t, startEmulator(t, t.TempDir()), "media")
	write(t, b, "assets/a.json", "application/json", `{"id":"a"}`)
	if got := read(t, b, "assets/a.json"); got != `{"id":"a"}` {
		t.Fatalf("read back %q", got)
	}
	attrs, err := b.Object("assets/a.json").Attrs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if attrs.ContentType != "application/json" || attrs.Size != int64(len(`{"id":"a"}`)) {
		t.Fatalf("attrs %+v", attrs)
	}
	if _, err := b.Object("assets/missing.json").NewReader(ctx); !errors.Is(err, storage.ErrObjectNotExist) {
		t.Fatalf("missing object: %v", err)
	}
}

func TestObjectsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	first, err := blob.StartEmulator(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := openBucket(t, first, "media")
	write(t, b, "kept.txt", "text/plain", "still here")
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again := openBucket(t, startEmulator(t, dir), "media")
	if got := read(t, again, "kept.txt"); got != "still here" {
		t.Fatalf("after restart %q", got)
	}
}

// A V4 signed URL made by a client pointed at the emulator names the
// emulator's host and opens with plain HTTP: that is what its public host is
// set for. (The emulator checks no signature; see design/STORES.md.)
func TestSignedURLOpens(t *testing.T) {
	e := startEmulator(t, t.TempDir())
	b := openBucket(t, e, "media")
	write(t, b, "pic.txt", "text/plain", "pixels")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	u, err := b.SignedURL("pic.txt", &storage.SignedURLOptions{
		GoogleAccessID: "platter@example.iam.gserviceaccount.com",
		PrivateKey:     pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		Method:         http.MethodGet,
		Expires:        time.Now().Add(time.Minute),
		Scheme:         storage.SigningSchemeV4,
		Insecure:       true, // the emulator speaks plain HTTP
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "pixels" {
		t.Fatalf("GET %s: %d %q", u, resp.StatusCode, body)
	}
}
