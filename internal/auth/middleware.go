package auth

import (
	"context"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/platterhq/platter/internal/apperr"
)

// Middleware verifies a bearer token in the Authorization header and puts
// the identity in the request context. A request without a token passes on
// anonymously; a bad token also passes on, remembered, so that public fields
// (sign in, say) still work and protected ones answer UNAUTHENTICATED with
// the reason.
func Middleware(keys *KeySet, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		token, ok := bearer(h)
		if !ok {
			ctx = withTokenError(ctx, apperr.E(apperr.Unauthenticated, "the Authorization header must be 'Bearer <token>'"))
		} else if id, err := keys.Verify(token, time.Now()); err != nil {
			ctx = withTokenError(ctx, err)
		} else {
			ctx = WithIdentity(ctx, id)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

type clientAddrKey struct{}

// WithClientAddr records the client's address for sign-in throttling: the first
// X-Forwarded-For entry set by the router, else the peer address.
func WithClientAddr(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := ""
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			addr = strings.TrimSpace(strings.Split(xff, ",")[0])
		} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			addr = host
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientAddrKey{}, addr)))
	})
}

// ClientAddr returns the address recorded by WithClientAddr, or "".
func ClientAddr(ctx context.Context) string {
	a, _ := ctx.Value(clientAddrKey{}).(string)
	return a
}
