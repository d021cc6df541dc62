package authmongo_test

import (
	"context"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/auth/authmongo"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/testenv"
)

func newSessions(t *testing.T) (*auth.Sessions, *auth.KeySet, *authmongo.Store) {
	t.Helper()
	ctx := context.Background()
	uri, db := testenv.Mongo(t)
	client, err := mongodb.Connect(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()) })
	store, err := authmongo.New(ctx, client.Database(db).Collection("sessions"))
	if err != nil {
		t.Fatal(err)
	}
	// Every service start creates the indexes again.
	if _, err := authmongo.New(ctx, client.Database(db).Collection("sessions")); err != nil {
		t.Fatalf("second start: %v", err)
	}
	pemBytes, _ := auth.GenerateKey()
	priv, _ := auth.ParsePrivateKey(pemBytes)
	keys := auth.NewKeySet(priv)
	return auth.NewSessions(keys, store, 5*time.Minute, 24*time.Hour), keys, store
}

func customerRoles(context.Context, string) ([]auth.Role, error) {
	return []auth.Role{auth.RoleCustomer}, nil
}

func TestRotationAndReuseDetection(t *testing.T) {
	ctx := context.Background()
	sessions, keys, _ := newSessions(t)
	first, err := sessions.Start(ctx, "c1", []auth.Role{auth.RoleCustomer})
	if err != nil {
		t.Fatal(err)
	}
	id, err := keys.Verify(first.AccessToken, time.Now())
	if err != nil || id.Subject != "c1" || id.SessionID == "" {
		t.Fatalf("access token: %v %+v", err, id)
	}
	second, err := sessions.Refresh(ctx, first.RefreshToken, customerRoles)
	if err != nil {
		t.Fatal(err)
	}
	if second.RefreshToken == first.RefreshToken {
		t.Fatal("refresh token was not rotated")
	}
	if d := second.RefreshTokenExpiresAt.Sub(first.RefreshTokenExpiresAt).Abs(); d > time.Second {
		t.Fatalf("rotation moved the family's expiry by %s", d)
	}
	// Reusing the rotated token revokes the family: the newer token dies too.
	if _, err := sessions.Refresh(ctx, first.RefreshToken, customerRoles); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("reuse: got %v, want UNAUTHENTICATED", err)
	}
	if _, err := sessions.Refresh(ctx, second.RefreshToken, customerRoles); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("newer token after reuse: got %v, want UNAUTHENTICATED", err)
	}
	if _, err := sessions.Refresh(ctx, "never-issued", customerRoles); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("unknown token: got %v", err)
	}
}

func TestEndRevokesOnlyThatFamily(t *testing.T) {
	ctx := context.Background()
	sessions, keys, _ := newSessions(t)
	phone, _ := sessions.Start(ctx, "c1", []auth.Role{auth.RoleCustomer})
	laptop, _ := sessions.Start(ctx, "c1", []auth.Role{auth.RoleCustomer})
	id, _ := keys.Verify(phone.AccessToken, time.Now())
	if err := sessions.End(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.Refresh(ctx, phone.RefreshToken, customerRoles); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("signed-out session refreshed: %v", err)
	}
	if _, err := sessions.Refresh(ctx, laptop.RefreshToken, customerRoles); err != nil {
		t.Fatalf("other session was revoked too: %v", err)
	}
}

func TestEndOthersKeepsCurrent(t *testing.T) {
	ctx := context.Background()
	sessions, keys, _ := newSessions(t)
	current, _ := sessions.Start(ctx, "c1", []auth.Role{auth.RoleCustomer})
	other, _ := sessions.Start(ctx, "c1", []auth.Role{auth.RoleCustomer})
	stranger, _ := sessions.Start(ctx, "c2", []auth.Role{auth.RoleCustomer})
	id, _ := keys.Verify(current.AccessToken, time.Now())
	if err := sessions.EndOthers(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.Refresh(ctx, other.RefreshToken, customerRoles); err == nil {
		t.Fatal("other session survived")
	}
	if _, err := sessions.Refresh(ctx, current.RefreshToken, customerRoles); err != nil {
		t.Fatalf("current session revoked: %v", err)
	}
	if _, err := sessions.Refresh(ctx, stranger.RefreshToken, customerRoles); err != nil {
		t.Fatalf("another subject's session revoked: %v", err)
	}
}
