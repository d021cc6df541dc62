// Package gqltest is a small GraphQL-over-HTTP client for tests: it posts
// operations to a subgraph or the router and decodes the standard response.
package gqltest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// Client posts operations to URL, with a bearer Token when set.
type Client struct {
	URL     string
	Token   string
	Headers map[string]string
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Response is a decoded GraphQL response plus the HTTP status.
type Response struct {
	Status int             `json:"-"`
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Do posts the operation and fails the test on transport problems or a
// non-JSON answer. GraphQL errors are returned for the test to judge.
func (c Client) Do(tb testing.TB, query string, vars map[string]any) Response {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("post %s: %v", c.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out Response
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Fatalf("status %d, body is not a GraphQL response: %s", resp.StatusCode, raw)
	}
	out.Status = resp.StatusCode
	return out
}

// MustData posts the operation, fails the test on any GraphQL error, and
// decodes data into v.
func (c Client) MustData(tb testing.TB, query string, vars map[string]any, v any) {
	tb.Helper()
	r := c.Do(tb, query, vars)
	if len(r.Errors) > 0 {
		tb.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if v != nil {
		if err := json.Unmarshal(r.Data, v); err != nil {
			tb.Fatalf("decode data %s: %v", r.Data, err)
		}
	}
}

// Code returns the extensions.code of the first error, or "".
func (r Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	code, _ := r.Errors[0].Extensions["code"].(string)
	return code
}

// Field returns the extensions.field of the first error, or "".
func (r Response) Field() string {
	if len(r.Errors) == 0 {
		return ""
	}
	f, _ := r.Errors[0].Extensions["field"].(string)
	return f
}

// ExpectCode fails the test unless the first error has the given code and,
// when field is not empty, names that field.
func (r Response) ExpectCode(tb testing.TB, code, field string) {
	tb.Helper()
	if r.Code() != code || (field != "" && r.Field() != field) {
		tb.Fatalf("want error %s (field %q), got status %d errors %+v", code, field, r.Status, r.Errors)
	}
	if r.Status >= 500 {
		tb.Fatalf("status %d for a client error", r.Status)
	}
}
