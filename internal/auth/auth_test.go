package auth

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
)

func mustKeys(t *testing.T) *KeySet {
	t.Helper()
	pemBytes, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ParsePrivateKey(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	return NewKeySet(priv)
}

func TestTokenRoundTrip(t *testing.T) {
	ks := mustKeys(t)
	now := time.Now()
	tok, exp, err := ks.Sign(Identity{Subject: "c1", Roles: []Role{RoleCustomer}, SessionID: "f1"}, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := exp.Sub(now); got != MaxAccessTTL {
		t.Fatalf("ttl %s not capped at %s", got, MaxAccessTTL)
	}
	id, err := ks.Verify(tok, now)
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "c1" || !id.Has(RoleCustomer) || id.Has(RoleAdmin) || id.SessionID != "f1" {
		t.Fatalf("identity %+v", id)
	}
}

func TestVerifyRefusesBadTokens(t *testing.T) {
	ks := mustKeys(t)
	other := mustKeys(t)
	now := time.Now()
	good, _, _ := ks.Sign(Identity{Subject: "c1", Roles: []Role{RoleCustomer}}, now, time.Minute)
	foreign, _, _ := other.Sign(Identity{Subject: "c1", Roles: []Role{RoleAdmin}}, now, time.Minute)
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]
	cases := map[string]struct {
		token string
		at    time.Time
	}{
		"expired":          {good, now.Add(2 * time.Minute)},
		"other signer":     {foreign, now},
		"tampered payload": {tampered, now},
		"garbage":          {"not-a-token", now},
		"alg none":         {"eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJjMSJ9.", now},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ks.Verify(c.token, c.at)
			if apperr.CodeOf(err) != apperr.Unauthenticated {
				t.Fatalf("got %v, want UNAUTHENTICATED", err)
			}
		})
	}
}

func TestVerifyWithPublicKeyOnly(t *testing.T) {
	pemBytes, _ := GenerateKey()
	priv, _ := ParsePrivateKey(pemBytes)
	pubPEM, err := PublicKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	pubs, err := ParsePublicKeys(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	verifier := NewKeySet(nil, pubs...)
	if verifier.CanSign() {
		t.Fatal("verify-only key set claims it can sign")
	}
	tok, _, _ := NewKeySet(priv).Sign(Identity{Subject: "v1", Roles: []Role{RoleVendor}}, time.Now(), time.Minute)
	if _, err := verifier.Verify(tok, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := verifier.Sign(Identity{Subject: "x"}, time.Now(), time.Minute); err == nil {
		t.Fatal("verify-only key set signed a token")
	}
	if _, err := ParsePrivateKey([]byte("junk")); err == nil {
		t.Fatal("junk parsed as a key")
	}
	_ = ed25519.PublicKeySize
}

func TestPasswords(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$") {
		t.Fatalf("hash %q is not argon2id", h)
	}
	if !CheckPassword(h, "correct horse") || CheckPassword(h, "correct horsE") {
		t.Fatal("password check wrong")
	}
	if CheckPasswordOrDummy("", "anything") || CheckPassword("$argon2id$garbage", "x") {
		t.Fatal("empty or malformed hash matched")
	}
	if apperr.CodeOf(CheckPasswordPolicy("password", "short")) != apperr.InvalidInput {
		t.Fatal("short password accepted")
	}
	if e, _ := apperr.As(CheckPasswordPolicy("password", "short")); e.Field != "password" {
		t.Fatalf("field %q", e.Field)
	}
}

func TestMiddlewareAndRoles(t *testing.T) {
	ks := mustKeys(t)
	tok, _, _ := ks.Sign(Identity{Subject: "c1", Roles: []Role{RoleCustomer}}, time.Now(), time.Minute)
	var gotErr error
	var gotID Identity
	h := Middleware(ks, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotID, gotErr = RequireRole(r.Context(), RoleCustomer)
		_, adminErr := RequireRole(r.Context(), RoleAdmin)
		if gotErr == nil && apperr.CodeOf(adminErr) != apperr.Forbidden {
			t.Errorf("customer passed an ADMIN check: %v", adminErr)
		}
	}))
	for name, c := range map[string]struct {
		header string
		code   apperr.Code
	}{
		"valid":      {"Bearer " + tok, ""},
		"none":       {"", apperr.Unauthenticated},
		"not bearer": {"Basic abc", apperr.Unauthenticated},
		"bad token":  {"Bearer abc.def.ghi", apperr.Unauthenticated},
	} {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", nil)
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if c.code == "" {
				if gotErr != nil || gotID.Subject != "c1" {
					t.Fatalf("got %v %+v", gotErr, gotID)
				}
				return
			}
			if apperr.CodeOf(gotErr) != c.code {
				t.Fatalf("got %v, want %s", gotErr, c.code)
			}
		})
	}
}

func TestThrottle(t *testing.T) {
	th := NewThrottle(3, time.Minute)
	now := time.Now()
	th.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if err := th.Allow("a"); err != nil {
			t.Fatalf("attempt %d refused: %v", i, err)
		}
		th.Fail("a")
	}
	if apperr.CodeOf(th.Allow("b", "a")) != apperr.RateLimited {
		t.Fatal("fourth attempt allowed")
	}
	now = now.Add(2 * time.Minute)
	if err := th.Allow("a"); err != nil {
		t.Fatalf("window did not slide: %v", err)
	}
	th.Fail("a")
	th.Reset("a")
	if len(th.failures) != 0 {
		t.Fatal("reset kept failures")
	}
	_ = context.Background()
}
