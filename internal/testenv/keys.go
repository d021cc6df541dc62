package testenv

import (
	"testing"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
)

// KeyPair is a fresh token key pair: the PEM a service's configuration
// takes, and tokens for the callers a test plays.
type KeyPair struct {
	SigningPEM string // as JWT_SIGNING_KEY takes it
	PublicPEM  string // as JWT_PUBLIC_KEYS takes it

	tb     testing.TB
	signer *auth.KeySet
}

// Keys returns a new key pair.
func Keys(tb testing.TB) KeyPair {
	tb.Helper()
	signingPEM, err := auth.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	priv, err := auth.ParsePrivateKey(signingPEM)
	if err != nil {
		tb.Fatal(err)
	}
	publicPEM, err := auth.PublicKeyPEM(priv)
	if err != nil {
		tb.Fatal(err)
	}
	return KeyPair{SigningPEM: string(signingPEM), PublicPEM: string(publicPEM), tb: tb, signer: auth.NewKeySet(priv)}
}

// Issuer is the configuration of a service that signs tokens with the pair.
func (k KeyPair) Issuer() config.Auth {
	return config.Auth{SigningKeyPEM: k.SigningPEM, AccessTTL: 5 * time.Minute, RefreshTTL: time.Hour}
}

// Verifier is the configuration of a service that only verifies them.
func (k KeyPair) Verifier() config.Auth {
	return config.Auth{PublicKeysPEM: k.PublicPEM}
}

// Token signs a one-minute access token for subject with roles.
func (k KeyPair) Token(subject string, roles ...auth.Role) string {
	k.tb.Helper()
	return k.TokenFor(auth.Identity{Subject: subject, Roles: roles}, time.Now())
}

// TokenFor signs a one-minute access token for id as issued at issued: one
// issued over a minute ago has expired.
func (k KeyPair) TokenFor(id auth.Identity, issued time.Time) string {
	k.tb.Helper()
	token, _, err := k.signer.Sign(id, issued, time.Minute)
	if err != nil {
		k.tb.Fatal(err)
	}
	return token
}
