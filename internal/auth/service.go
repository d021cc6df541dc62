package auth

import (
	"context"
	"fmt"
	"time"
)

// Tokens is what a successful sign in or refresh hands the client.
type Tokens struct {
	AccessToken           string
	AccessTokenExpiresAt  time.Time
	RefreshToken          string
	RefreshTokenExpiresAt time.Time
}

// Sessions issues token pairs and rotates and revokes refresh sessions for
// one account realm (customers, vendors or couriers).
type Sessions struct {
	keys       *KeySet
	store      SessionStore
	accessTTL  time.Duration
	refreshTTL time.Duration
	now        func() time.Time
}

// NewSessions returns a Sessions over store. accessTTL is capped at
// MaxAccessTTL.
func NewSessions(keys *KeySet, store SessionStore, accessTTL, refreshTTL time.Duration) *Sessions {
	if accessTTL <= 0 || accessTTL > MaxAccessTTL {
		accessTTL = MaxAccessTTL
	}
	return &Sessions{keys: keys, store: store, accessTTL: accessTTL, refreshTTL: refreshTTL, now: time.Now}
}

// Start begins a new session family for subject with roles.
func (s *Sessions) Start(ctx context.Context, subject string, roles []Role) (Tokens, error) {
	now := s.now()
	refresh, sess, err := startSession(ctx, s.store, subject, now, s.refreshTTL)
	if err != nil {
		return Tokens{}, err
	}
	return s.tokens(Identity{Subject: subject, Roles: roles, SessionID: sess.FamilyID}, refresh, sess, now)
}

// Refresh rotates a refresh token. rolesOf looks the subject's current roles
// up (an account may have been suspended or promoted since sign in); it
// returns an error to refuse the refresh.
func (s *Sessions) Refresh(ctx context.Context, refreshToken string, rolesOf func(ctx context.Context, subject string) ([]Role, error)) (Tokens, error) {
	now := s.now()
	refresh, sess, err := rotateSession(ctx, s.store, refreshToken, now, s.refreshTTL)
	if err != nil {
		return Tokens{}, err
	}
	roles, err := rolesOf(ctx, sess.Subject)
	if err != nil {
		return Tokens{}, err
	}
	return s.tokens(Identity{Subject: sess.Subject, Roles: roles, SessionID: sess.FamilyID}, refresh, sess, now)
}

// End revokes the session family the caller's access token belongs to.
func (s *Sessions) End(ctx context.Context, id Identity) error {
	if id.SessionID == "" {
		return nil
	}
	if err := s.store.RevokeFamily(ctx, id.SessionID); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// EndOthers revokes every session of the subject except the caller's own
// (after a password change, say); with keepCurrent false it revokes all.
func (s *Sessions) EndOthers(ctx context.Context, id Identity, keepCurrent bool) error {
	except := ""
	if keepCurrent {
		except = id.SessionID
	}
	if err := s.store.RevokeSubject(ctx, id.Subject, except); err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	return nil
}

func (s *Sessions) tokens(id Identity, refresh string, sess Session, now time.Time) (Tokens, error) {
	access, exp, err := s.keys.Sign(id, now, s.accessTTL)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access, AccessTokenExpiresAt: exp, RefreshToken: refresh, RefreshTokenExpiresAt: sess.ExpiresAt}, nil
}
