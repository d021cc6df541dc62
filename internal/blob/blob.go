// Package blob opens Google Cloud Storage buckets through the official
// client, against Google or against an emulator; signs V4 URLs locally with
// a service account's key and verifies them as Cloud Storage does; and runs
// the emulator in-process for the one-process dev mode and for tests.
package blob

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cloud.google.com/go/storage"
	"google.golang.org/api/option"
)

// OpenBucket returns a handle on bucket and the function that closes its
// client. An empty endpoint means Google itself, with the credentials of the
// standard Google environment; otherwise endpoint is an emulator's base URL
// (http://host:port), reached without authentication.
func OpenBucket(ctx context.Context, endpoint, bucket string) (*storage.BucketHandle, func() error, error) {
	if bucket == "" {
		return nil, nil, errors.New("blob: no bucket name")
	}
	var opts []option.ClientOption
	if endpoint != "" {
		opts = append(opts,
			option.WithEndpoint(strings.TrimRight(endpoint, "/")+"/storage/v1/"),
			option.WithoutAuthentication(),
		)
	}
	client, err := storage.NewClient(ctx, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("blob: storage client: %w", err)
	}
	return client.Bucket(bucket), client.Close, nil
}
