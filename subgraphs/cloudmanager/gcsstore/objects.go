package gcsstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
)

// Objects keeps images' bytes in the bucket.
type Objects struct{ bucket *storage.BucketHandle }

var _ asset.Objects = (*Objects)(nil)

// NewObjects returns the image objects of bucket.
func NewObjects(bucket *storage.BucketHandle) *Objects { return &Objects{bucket: bucket} }

// cacheControl lets browsers keep an image: an object's bytes never change
// under its name.
const cacheControl = "private, max-age=86400, immutable"

func (o *Objects) Put(ctx context.Context, name, contentType string, data []byte) error {
	w := o.bucket.Object(name).If(storage.Conditions{DoesNotExist: true}).NewWriter(ctx)
	w.ContentType = contentType
	w.CacheControl = cacheControl
	w.ChunkSize = 0 // one request: images are small
	if _, err := w.Write(data); err != nil {
		_ = w.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	err := w.Close()
	if isPreconditionFailed(err) {
		return apperr.E(apperr.Conflict, "object %s exists", name)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

func (o *Objects) Open(ctx context.Context, name string) (io.ReadCloser, int64, error) {
	r, err := o.bucket.Object(name).NewReader(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return nil, 0, apperr.E(apperr.NotFound, "object %s not found", name)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", name, err)
	}
	return r, r.Attrs.Size, nil
}

func (o *Objects) Delete(ctx context.Context, name string) error {
	return deleteObject(ctx, o.bucket, name)
}

func (o *Objects) List(ctx context.Context, prefix string, before time.Time) ([]string, error) {
	q := &storage.Query{Prefix: prefix}
	if err := q.SetAttrSelection([]string{"Name", "Created"}); err != nil {
		return nil, err
	}
	var out []string
	it := o.bucket.Objects(ctx, q)
	for {
		attrs, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, err)
		}
		if attrs.Created.Before(before) {
			out = append(out, attrs.Name)
		}
	}
}
