package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/apperr"
)

// Session is one refresh token of a session family. A family starts at sign
// in; each refresh rotates to a new token in the same family. The token
// itself is never stored, only its hash.
type Session struct {
	TokenHash string
	FamilyID  string
	Subject   string
	CreatedAt time.Time
	ExpiresAt time.Time
	Rotated   bool // this token has been exchanged for a newer one
	Revoked   bool // the whole family was revoked
}

// ErrSessionNotFound is returned by a SessionStore for an unknown token hash.
var ErrSessionNotFound = errors.New("session not found")

// SessionStore keeps refresh sessions. Implementations live beside each
// account store (Mongo for customers and vendors, SQL for couriers).
type SessionStore interface {
	CreateSession(ctx context.Context, s Session) error
	// SessionByHash returns ErrSessionNotFound for an unknown hash.
	SessionByHash(ctx context.Context, tokenHash string) (Session, error)
	// MarkRotated flags the token as exchanged, only if it was not already:
	// it reports false when another request rotated it first.
	MarkRotated(ctx context.Context, tokenHash string) (bool, error)
	// RevokeFamily revokes every token of the family.
	RevokeFamily(ctx context.Context, familyID string) error
	// RevokeSubject revokes every token of every family of the subject
	// except the given family ("" revokes all).
	RevokeSubject(ctx context.Context, subject, exceptFamilyID string) error
}

// HashToken returns the stored form of a refresh token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func newRefreshToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

var errRefreshRefused = apperr.E(apperr.Unauthenticated, "refresh token is invalid, expired or revoked")

// startSession begins a new family for subject.
func startSession(ctx context.Context, store SessionStore, subject string, now time.Time, ttl time.Duration) (token string, s Session, err error) {
	family, err := uuid.NewV7()
	if err != nil {
		return "", Session{}, err
	}
	return addSession(ctx, store, subject, family.String(), now, ttl)
}

func addSession(ctx context.Context, store SessionStore, subject, family string, now time.Time, ttl time.Duration) (string, Session, error) {
	token, err := newRefreshToken()
	if err != nil {
		return "", Session{}, err
	}
	s := Session{TokenHash: HashToken(token), FamilyID: family, Subject: subject, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := store.CreateSession(ctx, s); err != nil {
		return "", Session{}, fmt.Errorf("create session: %w", err)
	}
	return token, s, nil
}

// rotateSession exchanges a refresh token for a new one in the same family.
// Presenting a token that was already exchanged means it leaked (or a client
// replayed it): the whole family is revoked, the thief's and the owner's
// newer tokens alike.
func rotateSession(ctx context.Context, store SessionStore, token string, now time.Time, ttl time.Duration) (string, Session, error) {
	if token == "" {
		return "", Session{}, errRefreshRefused
	}
	s, err := store.SessionByHash(ctx, HashToken(token))
	if errors.Is(err, ErrSessionNotFound) {
		return "", Session{}, errRefreshRefused
	}
	if err != nil {
		return "", Session{}, fmt.Errorf("load session: %w", err)
	}
	if s.Revoked || !now.Before(s.ExpiresAt) {
		return "", Session{}, errRefreshRefused
	}
	if s.Rotated {
		if err := store.RevokeFamily(ctx, s.FamilyID); err != nil {
			return "", Session{}, fmt.Errorf("revoke reused family: %w", err)
		}
		return "", Session{}, errRefreshRefused
	}
	won, err := store.MarkRotated(ctx, s.TokenHash)
	if err != nil {
		return "", Session{}, fmt.Errorf("rotate session: %w", err)
	}
	if !won {
		// Two requests raced with the same token: treat as reuse.
		if err := store.RevokeFamily(ctx, s.FamilyID); err != nil {
			return "", Session{}, fmt.Errorf("revoke reused family: %w", err)
		}
		return "", Session{}, errRefreshRefused
	}
	// The family keeps its original expiry: rotation does not extend a
	// session forever.
	return addSession(ctx, store, s.Subject, s.FamilyID, now, s.ExpiresAt.Sub(now))
}
