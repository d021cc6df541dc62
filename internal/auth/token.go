package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/platterhq/platter/internal/apperr"
)

const (
	// Issuer and Audience are fixed: every Platter service accepts tokens from
	// every Platter issuer, and nothing else.
	Issuer   = "platter"
	Audience = "platter"

	// MaxAccessTTL bounds access tokens; revocation relies on short lives.
	MaxAccessTTL = 15 * time.Minute
)

type claims struct {
	jwt.RegisteredClaims
	Roles []Role `json:"roles"`
	SID   string `json:"sid,omitempty"`
}

// Sign returns a signed access token for id that expires after ttl
// (capped at MaxAccessTTL).
func (k *KeySet) Sign(id Identity, now time.Time, ttl time.Duration) (string, time.Time, error) {
	if k.signer == nil {
		return "", time.Time{}, errors.New("this service has no signing key")
	}
	if ttl <= 0 || ttl > MaxAccessTTL {
		ttl = MaxAccessTTL
	}
	exp := now.Add(ttl)
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Audience:  jwt.ClaimStrings{Audience},
			Subject:   id.Subject,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		Roles: id.Roles,
		SID:   id.SessionID,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = k.signerKID
	s, err := t.SignedString(k.signer)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign access token: %w", err)
	}
	return s, exp, nil
}

// Verify checks an access token's signature, kid, issuer, audience and
// expiry and returns its identity. Every failure is UNAUTHENTICATED.
func (k *KeySet) Verify(token string, now time.Time) (Identity, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		pub, ok := k.verifiers[kid]
		if !ok {
			return nil, errors.New("unknown kid")
		}
		return pub, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return Identity{}, apperr.E(apperr.Unauthenticated, "access token expired")
	case err != nil:
		return Identity{}, &apperr.Error{Code: apperr.Unauthenticated, Message: "invalid access token", Err: err}
	case c.Subject == "":
		return Identity{}, apperr.E(apperr.Unauthenticated, "invalid access token")
	}
	for _, r := range c.Roles {
		if !r.Valid() {
			return Identity{}, apperr.E(apperr.Unauthenticated, "invalid access token")
		}
	}
	return Identity{Subject: c.Subject, Roles: c.Roles, SessionID: c.SID}, nil
}
