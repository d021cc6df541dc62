package blob

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"cloud.google.com/go/storage"
)

// MaxSignedURLTTL is the longest lifetime a V4 signed URL may have.
const MaxSignedURLTTL = 7 * 24 * time.Hour

// DevAccessID is the service account name signed URLs carry in dev mode and
// tests, where the key is generated locally and only the emulator sees it.
const DevAccessID = "platter-dev@platter.iam.gserviceaccount.com"

// Signer makes V4 signed URLs locally with a service account's RSA key:
// signing needs no request to storage or to IAM.
type Signer struct {
	accessID string
	key      *rsa.PrivateKey
}

// NewSigner signs as accessID (a service account's email) with key.
func NewSigner(accessID string, key *rsa.PrivateKey) (*Signer, error) {
	if accessID == "" {
		return nil, errors.New("blob: signer needs the service account's email")
	}
	if key == nil {
		return nil, errors.New("blob: signer needs a private key")
	}
	key.Precompute()
	return &Signer{accessID: accessID, key: key}, nil
}

// ParseSigner reads an RSA private key in PEM (PKCS#1 or PKCS#8, as Google's
// key files hold it).
func ParseSigner(accessID string, keyPEM []byte) (*Signer, error) {
	key, err := parseRSAKey(keyPEM)
	if err != nil {
		return nil, err
	}
	return NewSigner(accessID, key)
}

// SignerFromCredentialsFile reads a service account key file, the JSON file
// GOOGLE_APPLICATION_CREDENTIALS names, and signs with its key.
func SignerFromCredentialsFile(path string) (*Signer, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("blob: credentials file: %w", err)
	}
	var f struct {
		Type        string `json:"type"`
		ClientEmail string `json:"client_email"`
		PrivateKey  string `json:"private_key"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("blob: credentials file %s is not JSON: %w", path, err)
	}
	if f.Type != "service_account" || f.ClientEmail == "" || f.PrivateKey == "" {
		return nil, fmt.Errorf("blob: credentials file %s is not a service account key (it needs type service_account, client_email and private_key)", path)
	}
	s, err := ParseSigner(f.ClientEmail, []byte(f.PrivateKey))
	if err != nil {
		return nil, fmt.Errorf("blob: credentials file %s: %w", path, err)
	}
	return s, nil
}

// GenerateSigner signs as accessID with a fresh key: for tests and for an
// emulator, which checks no signatures.
func GenerateSigner(accessID string) (*Signer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return NewSigner(accessID, key)
}

// LoadOrCreateSigner reads the key at path, or generates one and writes it
// there (mode 0600) when the file does not exist: dev mode keeps one key
// across restarts, like its token key.
func LoadOrCreateSigner(path, accessID string) (*Signer, error) {
	raw, err := os.ReadFile(path)
	if err == nil {
		return ParseSigner(accessID, raw)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	s, err := GenerateSigner(accessID)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, s.PrivateKeyPEM(), 0o600); err != nil {
		return nil, err
	}
	return s, nil
}

func parseRSAKey(keyPEM []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, errors.New("blob: signing key is not PEM")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("blob: signing key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("blob: signing key is not an RSA key")
	}
	return rk, nil
}

// AccessID is the service account the signatures name.
func (s *Signer) AccessID() string { return s.accessID }

// PublicKey verifies the signatures.
func (s *Signer) PublicKey() *rsa.PublicKey { return &s.key.PublicKey }

// PrivateKeyPEM returns the key as PKCS#1 PEM.
func (s *Signer) PrivateKeyPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(s.key)})
}

func (s *Signer) signBytes(b []byte) ([]byte, error) {
	sum := sha256.Sum256(b)
	return rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, sum[:])
}

// ForBucket returns a signer of URLs for objects in bucket. The URLs name
// the host the bucket's client talks to: Google, or an emulator's endpoint,
// in which case they are plain http as the emulator serves no TLS.
func (s *Signer) ForBucket(bucket *storage.BucketHandle, endpoint string) *URLSigner {
	return &URLSigner{signer: s, bucket: bucket, insecure: strings.HasPrefix(endpoint, "http://")}
}

// URLSigner signs URLs for one bucket's objects.
type URLSigner struct {
	signer   *Signer
	bucket   *storage.BucketHandle
	insecure bool
}

// SignedURL returns a V4 signed URL that lets its holder use method (GET or
// PUT) on object until expires. A non-empty contentType is a signed header:
// a PUT must send exactly that Content-Type.
func (u *URLSigner) SignedURL(object, method, contentType string, expires time.Time) (string, error) {
	return u.bucket.SignedURL(object, &storage.SignedURLOptions{
		GoogleAccessID: u.signer.accessID,
		SignBytes:      u.signer.signBytes,
		Method:         method,
		Expires:        expires,
		ContentType:    contentType,
		Scheme:         storage.SigningSchemeV4,
		Insecure:       u.insecure,
	})
}
