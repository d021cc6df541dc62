// Package gcsstore keeps images and their metadata in one bucket, so
// cloudmanager needs no database of its own. The bucket holds:
//
//	assets/<id>.json            a confirmed asset's metadata
//	pending/<id>.json           an upload by signed URL awaiting confirmation
//	uploads/<id>                the bytes PUT for that upload
//	<purpose>/<owner>/<id>      an image (asset.ObjectName)
//	outbox/<id>/<n>-<verb>.json an event about the asset, until published (Outbox)
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

const (
	prefix        = "assets/"
	pendingPrefix = "pending/"
)

// parallelReads bounds the object reads one batch makes at once.
const parallelReads = 16

// Store is the asset metadata store.
type Store struct {
	bucket *storage.BucketHandle
	cache  *metaCache
}

var _ asset.Store = (*Store)(nil)

// New returns the store on bucket.
func New(bucket *storage.BucketHandle) *Store {
	return &Store{bucket: bucket, cache: newMetaCache(MetadataCacheTTL, 50_000)}
}

// MetadataCacheTTL is how long a confirmed asset's metadata is kept in
// memory. It never changes, so the cache only has to forget deletions: a
// delete on this replica is seen at once, one on another replica within
// the TTL (its URL then answers 404). Without the cache every entity batch
// would read one object per asset from the bucket.
const MetadataCacheTTL = 5 * time.Minute

// ObjectName is where an asset's metadata lives in the bucket.
func ObjectName(id string) string { return prefix + id + ".json" }

// PendingName is where a pending upload's record lives in the bucket.
func PendingName(id string) string { return pendingPrefix + id + ".json" }

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
	if err := createJSON(ctx, s.bucket, ObjectName(a.ID), toDoc(a)); err != nil {
		return err
	}
	s.cache.put(a)
	return nil
}

// createJSON writes doc as the object name only if it does not exist yet;
// CONFLICT otherwise.
func createJSON(ctx context.Context, bucket *storage.BucketHandle, name string, doc any) error {
	raw, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	w := bucket.Object(name).If(storage.Conditions{DoesNotExist: true}).NewWriter(ctx)
	w.ContentType = "application/json"
	w.ChunkSize = 0 // one request: the object is tiny
	if _, err := w.Write(raw); err != nil {
		_ = w.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	err = w.Close()
	if isPreconditionFailed(err) {
		return &apperr.Error{Code: apperr.Conflict, Field: "id", Message: "is already taken"}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

func isPreconditionFailed(err error) bool {
	var apiErr *googleapi.Error
	return errors.As(err, &apiErr) && apiErr.Code == http.StatusPreconditionFailed
}

// readJSON decodes the object name into v; NOT_FOUND when it is missing.
func readJSON(ctx context.Context, bucket *storage.BucketHandle, name, what string, v any) error {
	r, err := bucket.Object(name).NewReader(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return apperr.E(apperr.NotFound, "%s not found", what)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	defer r.Close()
	raw, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode %s: %w", name, err)
	}
	return nil
}

// deleteObject removes name; a missing object is not an error.
func deleteObject(ctx context.Context, bucket *storage.BucketHandle, name string) error {
	err := bucket.Object(name).Delete(ctx)
	if err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

func (s *Store) ByID(ctx context.Context, id string) (asset.Asset, error) {
	if a, ok := s.cache.get(id); ok {
		return a, nil
	}
	a, err := s.read(ctx, id)
	if err != nil {
		return asset.Asset{}, err
	}
	s.cache.put(a)
	return a, nil
}

func (s *Store) read(ctx context.Context, id string) (asset.Asset, error) {
	var d assetDoc
	if err := readJSON(ctx, s.bucket, ObjectName(id), "asset", &d); err != nil {
		return asset.Asset{}, err
	}
	return fromDoc(d), nil
}

func (s *Store) Delete(ctx context.Context, id string) error {
	s.cache.drop(id)
	return deleteObject(ctx, s.bucket, ObjectName(id))
}

type pendingDoc struct {
	ID          string    `json:"id"`
	OwnerID     string    `json:"owner_id"`
	Purpose     string    `json:"purpose"`
	ContentType string    `json:"content_type"`
	Bytes       int64     `json:"bytes"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
}

func (s *Store) CreatePending(ctx context.Context, p asset.Pending) error {
	return createJSON(ctx, s.bucket, PendingName(p.ID), pendingDoc{
		ID: p.ID, OwnerID: p.OwnerID, Purpose: string(p.Purpose), ContentType: p.ContentType,
		Bytes: p.Bytes, CreatedAt: p.CreatedAt.UTC(), ExpiresAt: p.ExpiresAt.UTC(),
	})
}

func (s *Store) PendingByID(ctx context.Context, id string) (asset.Pending, error) {
	var d pendingDoc
	if err := readJSON(ctx, s.bucket, PendingName(id), "pending upload", &d); err != nil {
		return asset.Pending{}, err
	}
	return fromPendingDoc(d), nil
}

func (s *Store) DeletePending(ctx context.Context, id string) error {
	return deleteObject(ctx, s.bucket, PendingName(id))
}

// Pendings reads every pending record. There are few: each lives at most
// an upload URL's lifetime plus the confirmation grace.
func (s *Store) Pendings(ctx context.Context) ([]asset.Pending, error) {
	var names []string
	it := s.bucket.Objects(ctx, &storage.Query{Prefix: pendingPrefix})
	for {
		attrs, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list pending uploads: %w", err)
		}
		names = append(names, attrs.Name)
	}
	var out []asset.Pending
	for _, name := range names {
		var d pendingDoc
		err := readJSON(ctx, s.bucket, name, "pending upload", &d)
		if apperr.CodeOf(err) == apperr.NotFound {
			continue // confirmed or removed since the listing
		}
		if err != nil {
			return nil, err
		}
		out = append(out, fromPendingDoc(d))
	}
	return out, nil
}

func fromPendingDoc(d pendingDoc) asset.Pending {
	return asset.Pending{
		ID: d.ID, OwnerID: d.OwnerID, Purpose: asset.Purpose(d.Purpose), ContentType: d.ContentType,
		Bytes: d.Bytes, CreatedAt: d.CreatedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC(),
	}
}

// ByIDs takes what the cache holds and reads the rest side by side:
// object storage has no batch read.
func (s *Store) ByIDs(ctx context.Context, ids []string) ([]asset.Asset, error) {
	var (
		mu     sync.Mutex
		out    []asset.Asset
		misses []string
	)
	for _, id := range ids {
		if a, ok := s.cache.get(id); ok {
			out = append(out, a)
		} else {
			misses = append(misses, id)
		}
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelReads)
	for _, id := range misses {
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
