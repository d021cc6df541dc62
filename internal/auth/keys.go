package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// KeySet signs access tokens with one Ed25519 key and verifies tokens made
// by any of its known keys, chosen by the token's kid. Several verification
// keys allow rotation: publish the new public key, then switch signers.
type KeySet struct {
	signer    ed25519.PrivateKey
	signerKID string
	verifiers map[string]ed25519.PublicKey
}

// NewKeySet returns a key set that signs with signer (nil: verify only) and
// verifies with signer's public key plus the given public keys.
func NewKeySet(signer ed25519.PrivateKey, public ...ed25519.PublicKey) *KeySet {
	ks := &KeySet{verifiers: map[string]ed25519.PublicKey{}}
	if signer != nil {
		ks.signer = signer
		pub := signer.Public().(ed25519.PublicKey)
		ks.signerKID = KeyID(pub)
		ks.verifiers[ks.signerKID] = pub
	}
	for _, p := range public {
		ks.verifiers[KeyID(p)] = p
	}
	return ks
}

// CanSign reports whether the set holds a signing key.
func (k *KeySet) CanSign() bool { return k.signer != nil }

// KeyID names a public key by a hash of its bytes, so signer and verifier
// agree on kid without sharing anything but the key.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// GenerateKey returns a new Ed25519 private key in PKCS#8 PEM.
func GenerateKey() ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return PrivateKeyPEM(priv)
}

// ParsePrivateKey reads an Ed25519 private key from PKCS#8 PEM.
func ParsePrivateKey(pemBytes []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse PKCS#8 key: %w", err)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("the key is not an Ed25519 key")
	}
	return priv, nil
}

// ParsePublicKeys reads every Ed25519 public key (PKIX PEM) in pemBytes.
func ParsePublicKeys(pemBytes []byte) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	for {
		var block *pem.Block
		block, pemBytes = pem.Decode(pemBytes)
		if block == nil {
			break
		}
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public key: %w", err)
		}
		pub, ok := key.(ed25519.PublicKey)
		if !ok {
			return nil, errors.New("a public key is not an Ed25519 key")
		}
		keys = append(keys, pub)
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM public key found")
	}
	return keys, nil
}

// PublicKeyPEM encodes the public half of priv as PKIX PEM.
func PublicKeyPEM(priv ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// LoadOrCreateKeyFile reads the private key at path, creating it (mode 0600)
// on first use. Dev mode keeps its signing key this way so that tokens
// survive restarts.
func LoadOrCreateKeyFile(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if b, err = GenerateKey(); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return ParsePrivateKey(b)
}

// LoadKeySet builds a key set from PEM text: an optional signing key and
// optional public keys. At least one of them must be given.
func LoadKeySet(signingPEM, publicPEM string) (*KeySet, error) {
	var signer ed25519.PrivateKey
	var public []ed25519.PublicKey
	var err error
	if signingPEM != "" {
		if signer, err = ParsePrivateKey([]byte(signingPEM)); err != nil {
			return nil, fmt.Errorf("JWT_SIGNING_KEY: %w", err)
		}
	}
	if publicPEM != "" {
		if public, err = ParsePublicKeys([]byte(publicPEM)); err != nil {
			return nil, fmt.Errorf("JWT_PUBLIC_KEYS: %w", err)
		}
	}
	if signer == nil && len(public) == 0 {
		return nil, errors.New("no signing or public key configured")
	}
	return NewKeySet(signer, public...), nil
}

// PrivateKeyPEM encodes priv as PKCS#8 PEM.
func PrivateKeyPEM(priv ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
