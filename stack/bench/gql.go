package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"time"
)

// client posts GraphQL requests; one keeps its connections for many.
type client struct {
	http *http.Client
}

// newClient returns a client keeping up to conns connections per host.
// It asks for uncompressed answers: Platter's router gzips large answers
// for a client that accepts it, the peer gateways never do, so a client
// accepting gzip would have the router compress (and this process
// decompress) what the peers send plain, and measure unequal work.
func newClient(conns int) *client {
	return &client{http: &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns: conns * 8, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: 90 * time.Second,
			DisableCompression: true,
		},
	}}
}

// gqlError is a GraphQL error answer, with its code when there is one.
type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code  string `json:"code"`
		Field string `json:"field"`
	} `json:"extensions"`
}

// errorsError is a response that carried errors.
type errorsError struct{ errs []gqlError }

func (e *errorsError) Error() string {
	m := e.errs[0].Message
	if c := e.errs[0].Extensions.Code; c != "" {
		m = c + ": " + m
	}
	if len(e.errs) > 1 {
		m += fmt.Sprintf(" (and %d more)", len(e.errs)-1)
	}
	return m
}

func (e *errorsError) code() string { return e.errs[0].Extensions.Code }

// body encodes a GraphQL request.
func body(query string, vars map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		panic(err) // variables are built by this program from plain values
	}
	return b
}

// do posts query to url with token (when not empty) and decodes data into
// out (when not nil). A response with errors is an *errorsError.
func (c *client) do(ctx context.Context, url, token, query string, vars map[string]any, out any) error {
	raw, err := c.post(ctx, url, token, "application/json", body(query, vars))
	if err != nil {
		return err
	}
	return decode(raw, out)
}

func decode(raw []byte, out any) error {
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return fmt.Errorf("decode response: %w: %.200s", err, raw)
	}
	if len(resp.Errors) > 0 {
		return &errorsError{resp.Errors}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(resp.Data, out)
}

// post sends one request and returns the body of a 200 answer.
func (c *client) post(ctx context.Context, url, token, contentType string, payload []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %.300s", resp.StatusCode, raw)
	}
	return raw, nil
}

// upload stores an image through cloudmanager's uploadImage (a GraphQL
// multipart request) and returns the asset id.
func (c *client) upload(ctx context.Context, url, token, purpose, filename string, image []byte) (string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("operations", string(body(
		`mutation($file: Upload!, $purpose: AssetPurpose!) { uploadImage(file: $file, purpose: $purpose) { id } }`,
		map[string]any{"file": nil, "purpose": purpose})))
	_ = w.WriteField("map", `{"0": ["variables.file"]}`)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="0"; filename=%q`, filename))
	h.Set("Content-Type", "image/png")
	part, err := w.CreatePart(h)
	if err != nil {
		return "", err
	}
	if _, err := part.Write(image); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	raw, err := c.post(ctx, url, token, w.FormDataContentType(), buf.Bytes())
	if err != nil {
		return "", err
	}
	var out struct {
		UploadImage struct{ ID string } `json:"uploadImage"`
	}
	if err := decode(raw, &out); err != nil {
		return "", err
	}
	return out.UploadImage.ID, nil
}
