package asset

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/batch"
)

// Limits bound uploads and URL lifetimes.
type Limits struct {
	// MaxBytes is the largest image accepted (default 5 MiB).
	MaxBytes int64
	// URLTTL is how long Asset.url is valid (default 30 minutes). A URL is
	// reused while at least half of that is left, so the same image keeps
	// the same URL for a while and browsers can cache it.
	URLTTL time.Duration
	// UploadURLTTL is how long a signed PUT URL is valid (default 10
	// minutes).
	UploadURLTTL time.Duration
	// URLCacheEntries is how many signed URLs are kept for reuse (default
	// 10,000; negative: none, every URL is signed afresh).
	URLCacheEntries int
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 || l.MaxBytes > MaxBytes {
		l.MaxBytes = 5 << 20
	}
	if l.URLTTL <= 0 {
		l.URLTTL = 30 * time.Minute
	}
	if l.UploadURLTTL <= 0 {
		l.UploadURLTTL = 10 * time.Minute
	}
	if l.URLCacheEntries == 0 {
		l.URLCacheEntries = 10_000
	}
	return l
}

// Deps are the service's ports.
type Deps struct {
	Store   Store
	Objects Objects
	Signer  Signer
	Outbox  Outbox
	Limits  Limits
	// Now is the clock (time.Now by default).
	Now func() time.Time
}

// Service runs the asset use cases over its ports.
type Service struct {
	store   Store
	objects Objects
	signer  Signer
	outbox  Outbox
	limits  Limits
	now     func() time.Time
	urls    *urlCache
}

// NewService returns the use cases over deps.
func NewService(deps Deps) *Service {
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	limits := deps.Limits.withDefaults()
	return &Service{
		store: deps.Store, objects: deps.Objects, signer: deps.Signer, outbox: deps.Outbox,
		limits: limits, now: now, urls: newURLCache(limits.URLCacheEntries),
	}
}

// Limits returns the limits in force.
func (s *Service) Limits() Limits { return s.limits }

// Get returns a confirmed asset by id. Asset metadata is public: images
// are shown to anyone who sees what they belong to.
func (s *Service) Get(ctx context.Context, id string) (Asset, error) {
	if err := ValidateID(id); err != nil {
		return Asset{}, err
	}
	return s.store.ByID(ctx, id)
}

// GetMany returns the assets with the given ids in the ids' order, with the
// zero Asset where an id is malformed or unknown.
func (s *Service) GetMany(ctx context.Context, ids []string) ([]Asset, error) {
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if ValidateID(id) == nil {
			valid = append(valid, id)
		}
	}
	found, err := s.store.ByIDs(ctx, valid)
	if err != nil {
		return nil, err
	}
	return batch.InOrder(ids, found, func(a Asset) string { return a.ID }), nil
}

// URL returns a signed GET URL for a's image, made locally. The same URL is
// returned while at least half of its lifetime is left.
func (s *Service) URL(a Asset) (string, error) {
	now := s.now()
	if u, ok := s.urls.get(a.ID, now.Add(s.limits.URLTTL/2)); ok {
		return u, nil
	}
	expires := now.Add(s.limits.URLTTL)
	u, err := s.signer.SignedURL(a.Object(), http.MethodGet, "", expires)
	if err != nil {
		return "", fmt.Errorf("sign url for asset %s: %w", a.ID, err)
	}
	s.urls.put(a.ID, u, expires)
	return u, nil
}

// Upload stores an image sent in the request itself. size is what the
// request declared (-1 when unknown); the bytes read decide.
func (s *Service) Upload(ctx context.Context, c Caller, purpose Purpose, file io.Reader, size int64) (Asset, error) {
	if err := checkPurpose(purpose, c); err != nil {
		return Asset{}, err
	}
	if size > s.limits.MaxBytes {
		return Asset{}, s.tooLarge("file", size)
	}
	data, err := io.ReadAll(io.LimitReader(file, s.limits.MaxBytes+1))
	if err != nil {
		return Asset{}, fmt.Errorf("read upload: %w", err)
	}
	switch {
	case len(data) == 0:
		return Asset{}, apperr.Invalid("file", "is empty")
	case int64(len(data)) > s.limits.MaxBytes:
		return Asset{}, s.tooLarge("file", size)
	}
	kind, data, err := inspectAndStrip(data, "file")
	if err != nil {
		return Asset{}, err
	}
	id, err := NewID()
	if err != nil {
		return Asset{}, err
	}
	a, err := New(id, c.ID, Image{Purpose: purpose, ContentType: kind.ContentType, Bytes: int64(len(data)), Width: kind.Width, Height: kind.Height}, s.now())
	if err != nil {
		return Asset{}, err
	}
	if err := s.objects.Put(ctx, a.Object(), a.ContentType, data); err != nil {
		return Asset{}, fmt.Errorf("store image %s: %w", a.ID, err)
	}
	if err := s.create(ctx, a); err != nil {
		// No object without its metadata: nothing could ever show or
		// delete it.
		_ = s.objects.Delete(context.WithoutCancel(ctx), a.Object())
		return Asset{}, err
	}
	return a, nil
}

// inspectAndStrip checks that data is an image and removes its metadata.
func inspectAndStrip(data []byte, field string) (Kind, []byte, error) {
	kind, err := Inspect(bytes.NewReader(data), field)
	if err != nil {
		return Kind{}, nil, err
	}
	clean, err := StripMetadata(data, kind.ContentType, field)
	if err != nil {
		return Kind{}, nil, err
	}
	return kind, clean, nil
}

// create makes a visible with its uploaded event recorded first; the
// outbox publishes it once a exists.
func (s *Service) create(ctx context.Context, a Asset) error {
	if err := s.outbox.RecordUploaded(ctx, a); err != nil {
		return fmt.Errorf("record upload of %s: %w", a.ID, err)
	}
	if err := s.store.Create(ctx, a); err != nil {
		return err
	}
	s.outbox.Notify()
	return nil
}

func (s *Service) tooLarge(field string, size int64) error {
	if size > 0 {
		return apperr.Invalid(field, "is %d bytes; the limit is %d bytes", size, s.limits.MaxBytes)
	}
	return apperr.Invalid(field, "is larger than the limit of %d bytes", s.limits.MaxBytes)
}

// Delete removes an asset's image and metadata. Its owner or an admin may;
// anyone else is FORBIDDEN. The other subgraphs are told, so that entities
// still showing it drop the reference.
func (s *Service) Delete(ctx context.Context, c Caller, id string) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	a, err := s.store.ByID(ctx, id)
	if err != nil {
		return err
	}
	if c.ID == "" || (a.OwnerID != c.ID && !c.Admin) {
		return apperr.E(apperr.Forbidden, "only the asset's owner or an admin may delete it")
	}
	// Recorded first, published once the metadata is gone.
	if err := s.outbox.RecordDeleted(ctx, a); err != nil {
		return fmt.Errorf("record deletion of %s: %w", id, err)
	}
	// The object goes first: should the metadata delete then fail, a retry
	// finds the asset and completes; the other way round would leave an
	// object nothing refers to.
	if err := s.objects.Delete(ctx, a.Object()); err != nil {
		return fmt.Errorf("delete image %s: %w", id, err)
	}
	if err := s.store.Delete(ctx, id); err != nil {
		return err
	}
	s.urls.drop(id)
	s.outbox.Notify()
	return nil
}

// EnsureImage stores data as the asset id unless that asset exists with
// its bytes, for demo data and imports; it reports whether it stored it.
func (s *Service) EnsureImage(ctx context.Context, id, owner string, purpose Purpose, data []byte) (Asset, bool, error) {
	if existing, err := s.store.ByID(ctx, id); err == nil {
		r, size, err := s.objects.Open(ctx, existing.Object())
		if err == nil {
			r.Close()
			if size == existing.Bytes {
				return existing, false, nil
			}
		} else if apperr.CodeOf(err) != apperr.NotFound {
			return Asset{}, false, err
		}
		// Metadata without its bytes (or with others): store them again.
		if err := s.objects.Delete(ctx, existing.Object()); err != nil {
			return Asset{}, false, err
		}
		if err := s.store.Delete(ctx, id); err != nil {
			return Asset{}, false, err
		}
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return Asset{}, false, err
	}
	kind, data, err := inspectAndStrip(data, "file")
	if err != nil {
		return Asset{}, false, err
	}
	a, err := New(id, owner, Image{Purpose: purpose, ContentType: kind.ContentType, Bytes: int64(len(data)), Width: kind.Width, Height: kind.Height}, s.now())
	if err != nil {
		return Asset{}, false, err
	}
	if err := s.objects.Delete(ctx, a.Object()); err != nil {
		return Asset{}, false, err
	}
	if err := s.objects.Put(ctx, a.Object(), a.ContentType, data); err != nil {
		return Asset{}, false, err
	}
	if err := s.create(ctx, a); err != nil {
		return Asset{}, false, err
	}
	return a, true, nil
}

// urlCache remembers signed URLs by asset id until they are too close to
// their expiry to hand out.
type urlCache struct {
	mu  sync.Mutex
	max int
	m   map[string]cachedURL
}

type cachedURL struct {
	url     string
	expires time.Time
}

func newURLCache(max int) *urlCache { return &urlCache{max: max, m: map[string]cachedURL{}} }

// get returns the URL for id if it is valid past validUntil.
func (c *urlCache) get(id string, validUntil time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || !e.expires.After(validUntil) {
		return "", false
	}
	return e.url, true
}

func (c *urlCache) put(id, url string, expires time.Time) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		// Full: forget an arbitrary tenth. Entries are cheap to remake.
		n := max(c.max/10, 1)
		for k := range c.m {
			if n <= 0 {
				break
			}
			delete(c.m, k)
			n--
		}
	}
	c.m[id] = cachedURL{url: url, expires: expires}
}

func (c *urlCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}
