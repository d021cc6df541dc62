// Package gcsstore keeps asset metadata in the image bucket itself, one
// small JSON object per asset at assets/<id>.json, so cloudmanager needs no
// database of its own.
package gcsstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"cloud.google.com/go/storage"
	"golang.org/x/sync/errgroup"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
)

const prefix = "assets/"

// parallelReads bounds the object reads one batch makes at once.
const parallelReads = 8

// Store is the asset metadata store.
type Store struct{ bucket *storage.BucketHandle }

var _ asset.Store = (*Store)(nil)

// New returns the store on bucket.
func New(bucket *storage.BucketHandle) *Store { return &Store{bucket: bucket} }

// ObjectName is where an asset's metadata lives in the bucket.
func ObjectName(id string) string { return prefix + id + ".json" }

type assetDoc struct {
	ID          string    `json:"id"`
	OwnerID     string    `json:"owner_id"`
	Purpose     string    `json:"purpose"`
	ContentType string    `json:"content_type"`
	Bytes       int64     `json:"bytes"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	CreatedAt   time.Time `json:"created_at"`
}

// Create writes the object only if it does not exist yet: the condition is
// checked by the storage service, so two creators cannot both win.
func (s *Store) Create(ctx context.Context, a asset.Asset) error {
	raw, err := json.Marshal(toDoc(a))
	if err != nil {
		return err
	}
	w := s.bucket.Object(ObjectName(a.ID)).If(storage.Conditions{DoesNotExist: true}).NewWriter(ctx)
	w.ContentType = "application/json"
	w.ChunkSize = 0 // one request: the object is tiny
	if _, err := w.Write(raw); err != nil {
		_ = w.Close()
		return fmt.Errorf("write asset %s: %w", a.ID, err)
	}
	err = w.Close()
	var apiErr *googleapi.Error
	if errors.As(err, &apiErr) && apiErr.Code == http.StatusPreconditionFailed {
		return &apperr.Error{Code: apperr.Conflict, Field: "id", Message: "is already taken"}
	}
	if err != nil {
		return fmt.Errorf("write asset %s: %w", a.ID, err)
	}
	return nil
}

func (s *Store) ByID(ctx context.Context, id string) (asset.Asset, error) {
	r, err := s.bucket.Object(ObjectName(id)).NewReader(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return asset.Asset{}, apperr.E(apperr.NotFound, "asset not found")
	}
	if err != nil {
		return asset.Asset{}, fmt.Errorf("read asset %s: %w", id, err)
	}
	defer r.Close()
	raw, err := io.ReadAll(r)
	if err != nil {
		return asset.Asset{}, fmt.Errorf("read asset %s: %w", id, err)
	}
	var d assetDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return asset.Asset{}, fmt.Errorf("decode asset %s: %w", id, err)
	}
	return fromDoc(d), nil
}

// ByIDs reads the objects side by side: object storage has no batch read.
func (s *Store) ByIDs(ctx context.Context, ids []string) ([]asset.Asset, error) {
	var (
		mu  sync.Mutex
		out []asset.Asset
	)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelReads)
	for _, id := range ids {
		g.Go(func() error {
			a, err := s.ByID(ctx, id)
			if apperr.CodeOf(err) == apperr.NotFound {
				return nil
			}
			if err != nil {
				return err
			}
			mu.Lock()
			out = append(out, a)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// Ping checks the bucket answers by listing at most one asset: that needs
// only object permissions, which is all the service account should hold.
func (s *Store) Ping(ctx context.Context) error {
	it := s.bucket.Objects(ctx, &storage.Query{Prefix: prefix})
	it.PageInfo().MaxSize = 1
	if _, err := it.Next(); err != nil && !errors.Is(err, iterator.Done) {
		return err
	}
	return nil
}

func toDoc(a asset.Asset) assetDoc {
	return assetDoc{
		ID: a.ID, OwnerID: a.OwnerID, Purpose: string(a.Purpose), ContentType: a.ContentType,
		Bytes: a.Bytes, Width: a.Width, Height: a.Height, CreatedAt: a.CreatedAt.UTC(),
	}
}

func fromDoc(d assetDoc) asset.Asset {
	return asset.Asset{
		ID: d.ID, OwnerID: d.OwnerID, Purpose: asset.Purpose(d.Purpose), ContentType: d.ContentType,
		Bytes: d.Bytes, Width: d.Width, Height: d.Height, CreatedAt: d.CreatedAt.UTC(),
	}
}
