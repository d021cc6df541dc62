package blob_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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

func signer(t *testing.T) *blob.Signer {
	t.Helper()
	s, err := blob.GenerateSigner(blob.DevAccessID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func keysOf(s *blob.Signer) map[string]*rsa.PublicKey {
	return map[string]*rsa.PublicKey{s.AccessID(): s.PublicKey()}
}

func httpDo(t *testing.T, method, u, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// The verifier accepts exactly what was signed: any change to the method,
// object, lifetime, signature or signer is refused, as is a URL past its
// lifetime.
func TestVerifySignedURL(t *testing.T) {
	e := startEmulator(t, t.TempDir())
	b := openBucket(t, e, "media")
	s := signer(t)
	urls := s.ForBucket(b, e.URL())
	now := time.Now()
	u, err := urls.SignedURL("gallery/owner-1/pic", http.MethodGet, "", now.Add(30*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, e.URL()+"/media/gallery/owner-1/pic?") {
		t.Fatalf("url %s does not name the emulator's object", u)
	}
	got, err := blob.VerifyURL(u, http.MethodGet, nil, keysOf(s), now)
	if err != nil {
		t.Fatalf("a fresh URL: %v", err)
	}
	if got.Method != http.MethodGet || got.Path != "/media/gallery/owner-1/pic" || got.AccessID != blob.DevAccessID ||
		got.Expires.Sub(now) < 29*time.Minute || got.Expires.Sub(now) > 31*time.Minute {
		t.Fatalf("verified %+v", got)
	}

	other := signer(t)
	cases := []struct {
		name   string
		url    string
		method string
		keys   map[string]*rsa.PublicKey
		now    time.Time
		want   error
	}{
		{"another object", strings.Replace(u, "/pic?", "/pic2?", 1), http.MethodGet, keysOf(s), now, blob.ErrBadSignature},
		{"another owner", strings.Replace(u, "owner-1", "owner-2", 1), http.MethodGet, keysOf(s), now, blob.ErrBadSignature},
		{"another method", u, http.MethodPut, keysOf(s), now, blob.ErrBadSignature},
		{"longer life", regexp.MustCompile(`X-Goog-Expires=\d+`).ReplaceAllString(u, "X-Goog-Expires=3600"), http.MethodGet, keysOf(s), now, blob.ErrBadSignature},
		{"forged signature", tamperSignature(u), http.MethodGet, keysOf(s), now, blob.ErrBadSignature},
		{"another key", u, http.MethodGet, map[string]*rsa.PublicKey{blob.DevAccessID: other.PublicKey()}, now, blob.ErrBadSignature},
		{"unknown signer", u, http.MethodGet, map[string]*rsa.PublicKey{"x@example.com": s.PublicKey()}, now, blob.ErrUnknownSigner},
		{"expired", u, http.MethodGet, keysOf(s), now.Add(31 * time.Minute), blob.ErrExpired},
		{"not yet valid", u, http.MethodGet, keysOf(s), now.Add(-10 * time.Minute), blob.ErrExpired},
		{"unsigned", e.URL() + "/media/gallery/owner-1/pic", http.MethodGet, keysOf(s), now, blob.ErrNotSigned},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := blob.VerifyURL(tc.url, tc.method, nil, tc.keys, tc.now); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func tamperSignature(u string) string {
	i := strings.Index(u, "X-Goog-Signature=") + len("X-Goog-Signature=")
	c := byte('0')
	if u[i] == '0' {
		c = '1'
	}
	return u[:i] + string(c) + u[i+1:]
}

// With signatures required the emulator refuses what Cloud Storage would
// refuse, so dev mode and tests see the same failures as production.
func TestEmulatorRequiresSignatures(t *testing.T) {
	e := startEmulator(t, t.TempDir())
	b := openBucket(t, e, "media")
	s := signer(t)
	e.RequireSignatures(keysOf(s))
	urls := s.ForBucket(b, e.URL())
	write(t, b, "pic.txt", "text/plain", "pixels")

	get, err := urls.SignedURL("pic.txt", http.MethodGet, "", time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if status, body := httpDo(t, http.MethodGet, get, "", ""); status != http.StatusOK || body != "pixels" {
		t.Fatalf("signed GET: %d %q", status, body)
	}
	if status, body := httpDo(t, http.MethodGet, tamperSignature(get), "", ""); status != http.StatusForbidden || !strings.Contains(body, "SignatureDoesNotMatch") {
		t.Fatalf("tampered GET: %d %q", status, body)
	}
	if status, _ := httpDo(t, http.MethodGet, strings.Replace(get, "pic.txt", "kept.txt", 1), "", ""); status != http.StatusForbidden {
		t.Fatalf("GET of another object: %d", status)
	}

	put, err := urls.SignedURL("up.png", http.MethodPut, "image/png", time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if status, body := httpDo(t, http.MethodPut, put, "image/jpeg", "x"); status != http.StatusForbidden {
		t.Fatalf("PUT with another content type: %d %q", status, body)
	}
	if status, body := httpDo(t, http.MethodPut, put, "image/png", "png bytes"); status != http.StatusOK {
		t.Fatalf("signed PUT: %d %q", status, body)
	}
	if got := read(t, b, "up.png"); got != "png bytes" {
		t.Fatalf("after PUT: %q", got)
	}

	short, err := urls.SignedURL("pic.txt", http.MethodGet, "", time.Now().Add(1100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond)
	if status, body := httpDo(t, http.MethodGet, short, "", ""); status != http.StatusBadRequest || !strings.Contains(body, "ExpiredToken") {
		t.Fatalf("expired GET: %d %q", status, body)
	}
	// The storage client's own unsigned requests still work.
	if got := read(t, b, "pic.txt"); got != "pixels" {
		t.Fatalf("client read: %q", got)
	}
}

func TestSignerKeys(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "gcs.pem")
	first, err := blob.LoadOrCreateSigner(path, blob.DevAccessID)
	if err != nil {
		t.Fatal(err)
	}
	again, err := blob.LoadOrCreateSigner(path, blob.DevAccessID)
	if err != nil {
		t.Fatal(err)
	}
	if !first.PublicKey().Equal(again.PublicKey()) {
		t.Fatal("the key was not kept")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi, err)
	}

	// A service account key file as Google issues it: PKCS#8 in JSON.
	der, err := x509.MarshalPKCS8PrivateKey(mustRSA(t))
	if err != nil {
		t.Fatal(err)
	}
	creds := filepath.Join(dir, "sa.json")
	raw, _ := json.Marshal(map[string]string{
		"type": "service_account", "client_email": "media@proj.iam.gserviceaccount.com",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
	})
	if err := os.WriteFile(creds, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := blob.SignerFromCredentialsFile(creds)
	if err != nil || s.AccessID() != "media@proj.iam.gserviceaccount.com" {
		t.Fatalf("credentials file: %v", err)
	}
	userCreds := filepath.Join(dir, "user.json")
	_ = os.WriteFile(userCreds, []byte(`{"type":"authorized_user","client_id":"x"}`), 0o600)
	if _, err := blob.SignerFromCredentialsFile(userCreds); err == nil || !strings.Contains(err.Error(), "service account") {
		t.Fatalf("user credentials: %v", err)
	}
	if _, err := blob.ParseSigner("x@y", []byte("not pem")); err == nil {
		t.Fatal("parsed a key that is not PEM")
	}
}

func mustRSA(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
