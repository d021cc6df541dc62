package blob

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Why a signed URL is refused. VerifyRequest wraps one of these.
var (
	ErrNotSigned         = errors.New("the request carries no V4 signature")
	ErrBadSignature      = errors.New("the signature does not match the request")
	ErrExpired           = errors.New("the signed URL has expired")
	ErrUnknownSigner     = errors.New("the signature names an unknown service account")
	ErrMalformedSignedRQ = errors.New("the signed URL is malformed")
)

// signClockSkew is how far in the future a signature's date may be, as
// clocks differ between the signer and the server.
const signClockSkew = time.Minute

// Signed says what a verified signed URL allows.
type Signed struct {
	AccessID string
	Method   string
	Path     string // "/bucket/object"
	Expires  time.Time
}

// VerifyRequest checks r against its V4 signature the way Cloud Storage
// does: the method, path, query, signed headers and host must be those that
// were signed, the key must be the signer's (keys maps access ids to public
// keys), and now must lie within the URL's lifetime.
func VerifyRequest(r *http.Request, keys map[string]*rsa.PublicKey, now time.Time) (Signed, error) {
	q := r.URL.Query()
	sigHex := q.Get("X-Goog-Signature")
	if sigHex == "" {
		return Signed{}, ErrNotSigned
	}
	if q.Get("X-Goog-Algorithm") != "GOOG4-RSA-SHA256" {
		return Signed{}, fmt.Errorf("%w: algorithm %q", ErrMalformedSignedRQ, q.Get("X-Goog-Algorithm"))
	}
	date, err := time.Parse("20060102T150405Z", q.Get("X-Goog-Date"))
	if err != nil {
		return Signed{}, fmt.Errorf("%w: X-Goog-Date", ErrMalformedSignedRQ)
	}
	secs, err := strconv.Atoi(q.Get("X-Goog-Expires"))
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > MaxSignedURLTTL {
		return Signed{}, fmt.Errorf("%w: X-Goog-Expires", ErrMalformedSignedRQ)
	}
	accessID, scope, ok := strings.Cut(q.Get("X-Goog-Credential"), "/")
	if !ok || scope != date.Format("20060102")+"/auto/storage/goog4_request" {
		return Signed{}, fmt.Errorf("%w: X-Goog-Credential", ErrMalformedSignedRQ)
	}
	pub, ok := keys[accessID]
	if !ok {
		return Signed{}, fmt.Errorf("%w: %s", ErrUnknownSigner, accessID)
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return Signed{}, fmt.Errorf("%w: signature is not hex", ErrMalformedSignedRQ)
	}

	var canon strings.Builder
	canon.WriteString(r.Method + "\n")
	canon.WriteString("/" + pathEncodeV4(strings.TrimPrefix(r.URL.Path, "/")) + "\n")
	rest := url.Values{}
	for k, v := range q {
		if k != "X-Goog-Signature" {
			rest[k] = v
		}
	}
	canon.WriteString(strings.ReplaceAll(rest.Encode(), "+", "%20") + "\n")
	signedHeaders := q.Get("X-Goog-SignedHeaders")
	names := strings.Split(signedHeaders, ";")
	if !sort.StringsAreSorted(names) {
		return Signed{}, fmt.Errorf("%w: signed headers are not sorted", ErrMalformedSignedRQ)
	}
	for _, name := range names {
		var value string
		if name == "host" {
			value = r.Host
			if h, _, err := net.SplitHostPort(value); err == nil {
				value = h
			}
		} else {
			value = strings.Join(strings.Fields(strings.Join(r.Header.Values(name), ",")), " ")
		}
		canon.WriteString(name + ":" + value + "\n")
	}
	canon.WriteString("\n" + signedHeaders + "\n")
	if v := r.Header.Get("X-Goog-Content-SHA256"); v != "" && strings.Contains(signedHeaders, "x-goog-content-sha256") {
		canon.WriteString(v)
	} else {
		canon.WriteString("UNSIGNED-PAYLOAD")
	}

	canonSum := sha256.Sum256([]byte(canon.String()))
	toSign := "GOOG4-RSA-SHA256\n" + q.Get("X-Goog-Date") + "\n" + scope + "\n" + hex.EncodeToString(canonSum[:])
	sum := sha256.Sum256([]byte(toSign))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return Signed{}, ErrBadSignature
	}

	// The signature is good, so the dates are the signer's: judge them.
	expires := date.Add(time.Duration(secs) * time.Second)
	if now.Before(date.Add(-signClockSkew)) || !now.Before(expires) {
		return Signed{}, fmt.Errorf("%w (valid %s to %s)", ErrExpired, date.Format(time.RFC3339), expires.Format(time.RFC3339))
	}
	return Signed{AccessID: accessID, Method: r.Method, Path: r.URL.Path, Expires: expires}, nil
}

// VerifyURL checks a signed URL as a request of method with header would
// present it, e.g. in tests that hold a URL but send no request.
func VerifyURL(rawURL, method string, header http.Header, keys map[string]*rsa.PublicKey, now time.Time) (Signed, error) {
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		return Signed{}, fmt.Errorf("%w: %v", ErrMalformedSignedRQ, err)
	}
	if header != nil {
		req.Header = header
	}
	return VerifyRequest(req, keys, now)
}

// pathEncodeV4 escapes each path segment as the V4 signing rules want.
func pathEncodeV4(path string) string {
	segments := strings.Split(path, "/")
	for i, s := range segments {
		segments[i] = url.QueryEscape(s)
	}
	return strings.ReplaceAll(strings.Join(segments, "/"), "+", "%20")
}
