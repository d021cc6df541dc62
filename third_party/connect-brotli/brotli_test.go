package brotli

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"connectrpc.com/connect"
)

func TestRoundTrip(t *testing.T) {
	in := []byte(strings.Repeat("platter compresses control-plane messages ", 200))

	c := newCompressor()
	d := newDecompressor()
	// Reuse both codecs twice, as connect's pools do.
	for i := range 2 {
		var buf bytes.Buffer
		c.Reset(&buf)
		if _, err := c.Write(in); err != nil {
			t.Fatalf("round %d: write: %v", i, err)
		}
		if err := c.Close(); err != nil {
			t.Fatalf("round %d: close compressor: %v", i, err)
		}
		if buf.Len() >= len(in) {
			t.Fatalf("round %d: compressed %d bytes into %d", i, len(in), buf.Len())
		}

		if err := d.Reset(&buf); err != nil {
			t.Fatalf("round %d: reset decompressor: %v", i, err)
		}
		out, err := io.ReadAll(d)
		if err != nil {
			t.Fatalf("round %d: read: %v", i, err)
		}
		if err := d.Close(); err != nil {
			t.Fatalf("round %d: close decompressor: %v", i, err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("round %d: round trip changed the bytes", i)
		}
	}
}

func TestOptionIsClientAndHandlerOption(t *testing.T) {
	opt := WithCompression()
	var _ connect.ClientOption = opt
	var _ connect.HandlerOption = opt
	if Name != "br" {
		t.Fatalf("Name = %q, want br", Name)
	}
}
