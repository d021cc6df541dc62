// Package config reads service configuration from an environment lookup
// function and reports every problem at once.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Reader reads typed values through getenv and collects every problem it
// meets, so a misconfigured service names all its mistakes in one start.
type Reader struct {
	getenv func(string) string
	errs   []error
	seen   map[string]bool
}

// NewReader returns a Reader over getenv (os.Getenv in main, a map in tests).
func NewReader(getenv func(string) string) *Reader {
	return &Reader{getenv: getenv, seen: map[string]bool{}}
}

func (r *Reader) lookup(key string) string {
	r.seen[key] = true
	return strings.TrimSpace(r.getenv(key))
}

// Keys lists every variable the reader was asked for, sorted.
func (r *Reader) Keys() []string {
	keys := make([]string, 0, len(r.seen))
	for k := range r.seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Fail records a problem found by the caller's own checks.
func (r *Reader) Fail(key, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
}

// String returns the value of key, or def when it is unset.
func (r *Reader) String(key, def string) string {
	if v := r.lookup(key); v != "" {
		return v
	}
	return def
}

// Required returns the value of key and records a problem when it is unset.
func (r *Reader) Required(key, why string) string {
	v := r.lookup(key)
	if v == "" {
		r.Fail(key, "is required (%s)", why)
	}
	return v
}

// Int returns key as an integer within [min, max], or def when unset.
func (r *Reader) Int(key string, def, min, max int) int {
	v := r.lookup(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.Fail(key, "%q is not an integer", v)
		return def
	}
	if n < min || n > max {
		r.Fail(key, "%d is outside %d..%d", n, min, max)
		return def
	}
	return n
}

// Bool returns key as a boolean, or def when unset.
func (r *Reader) Bool(key string, def bool) bool {
	v := r.lookup(key)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.Fail(key, "%q is not a boolean", v)
		return def
	}
	return b
}

// Duration returns key as a duration within [min, max], or def when unset.
func (r *Reader) Duration(key string, def, min, max time.Duration) time.Duration {
	v := r.lookup(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.Fail(key, "%q is not a duration (e.g. 15m)", v)
		return def
	}
	if d < min || d > max {
		r.Fail(key, "%s is outside %s..%s", d, min, max)
		return def
	}
	return d
}

// OneOf returns key when it is one of allowed, or def when unset.
func (r *Reader) OneOf(key, def string, allowed ...string) string {
	v := r.lookup(key)
	if v == "" {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.Fail(key, "%q is not one of %s", v, strings.Join(allowed, ", "))
	return def
}

// URL returns key parsed as a URL with one of the given schemes; required
// says whether an unset value is a problem.
func (r *Reader) URL(key string, required bool, why string, schemes ...string) string {
	v := r.lookup(key)
	if v == "" {
		if required {
			r.Fail(key, "is required (%s)", why)
		}
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" {
		r.Fail(key, "is not a URL")
		return v
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return v
		}
	}
	r.Fail(key, "scheme %q is not one of %s", u.Scheme, strings.Join(schemes, ", "))
	return v
}

// Err returns every recorded problem joined, or nil.
func (r *Reader) Err() error {
	if len(r.errs) == 0 {
		return nil
	}
	return fmt.Errorf("configuration: %w", errors.Join(r.errs...))
}

// MapEnv turns a map into a getenv function, for tests and for the
// all-in-one launcher.
func MapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}
