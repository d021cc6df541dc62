// Package brotli registers the brotli ("br") compression codec with
// connect-go clients and handlers.
//
// It stands in for go.withmatt.com/connect-brotli, which the module proxy
// does not serve. The Cosmo router imports that path for its control-plane
// traffic (self-registration with Cosmo Cloud), which Platter never enables;
// the router module replaces the import with this directory so it builds.
// Only the two symbols the router uses are provided, backed by a real codec,
// so the replacement stays correct if that traffic is ever turned on.
package brotli

import (
	"io"

	"connectrpc.com/connect"
	"github.com/andybalholm/brotli"
)

// Name is the compression name connect negotiates in its encoding headers.
const Name = "br"

// WithCompression returns an option that lets a connect client accept brotli
// responses and a connect handler read and write brotli messages.
func WithCompression() connect.Option {
	return option{
		ClientOption:  connect.WithAcceptCompression(Name, newDecompressor, newCompressor),
		HandlerOption: connect.WithCompression(Name, newDecompressor, newCompressor),
	}
}

// option is both a client and a handler option; connect.Option has no
// constructor that combines the two, and embedding promotes each half.
type option struct {
	connect.ClientOption
	connect.HandlerOption
}

func newCompressor() connect.Compressor {
	return brotli.NewWriterLevel(nil, brotli.DefaultCompression)
}

func newDecompressor() connect.Decompressor {
	return &decompressor{Reader: brotli.NewReader(nil)}
}

// decompressor adds the Close that connect expects; the brotli reader holds
// no resources of its own.
type decompressor struct {
	*brotli.Reader
}

func (d *decompressor) Close() error { return nil }

func (d *decompressor) Reset(r io.Reader) error { return d.Reader.Reset(r) }
