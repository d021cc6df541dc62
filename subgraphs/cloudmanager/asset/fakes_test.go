package asset_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
)

// The in-memory fakes of the asset ports, for the domain's tests. The real
// adapters are tested against the storage emulator in gcsstore.

type memStore struct {
	mu      sync.Mutex
	assets  map[string]asset.Asset
	pending map[string]asset.Pending
}

var _ asset.Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{assets: map[string]asset.Asset{}, pending: map[string]asset.Pending{}}
}

func (s *memStore) Create(_ context.Context, a asset.Asset) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.assets[a.ID]; ok {
		return apperr.E(apperr.Conflict, "taken")
	}
	s.assets[a.ID] = a
	return nil
}

func (s *memStore) ByID(_ context.Context, id string) (asset.Asset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.assets[id]
	if !ok {
		return asset.Asset{}, apperr.E(apperr.NotFound, "asset not found")
	}
	return a, nil
}

func (s *memStore) ByIDs(ctx context.Context, ids []string) ([]asset.Asset, error) {
	var out []asset.Asset
	for _, id := range ids {
		if a, err := s.ByID(ctx, id); err == nil {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *memStore) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.assets, id)
	return nil
}

func (s *memStore) CreatePending(_ context.Context, p asset.Pending) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pending[p.ID]; ok {
		return apperr.E(apperr.Conflict, "taken")
	}
	s.pending[p.ID] = p
	return nil
}

func (s *memStore) PendingByID(_ context.Context, id string) (asset.Pending, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pending[id]
	if !ok {
		return asset.Pending{}, apperr.E(apperr.NotFound, "no pending upload")
	}
	return p, nil
}

func (s *memStore) DeletePending(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pending, id)
	return nil
}

func (s *memStore) Pendings(context.Context) ([]asset.Pending, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []asset.Pending
	for _, p := range s.pending {
		out = append(out, p)
	}
	return out, nil
}

type memObject struct {
	contentType string
	data        []byte
	created     time.Time
}

type memObjects struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]memObject
}

var _ asset.Objects = (*memObjects)(nil)

func newMemObjects(now func() time.Time) *memObjects {
	return &memObjects{now: now, m: map[string]memObject{}}
}

func (o *memObjects) Put(_ context.Context, name, contentType string, data []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.m[name]; ok {
		return apperr.E(apperr.Conflict, "object exists")
	}
	o.m[name] = memObject{contentType, bytes.Clone(data), o.now()}
	return nil
}

// put writes as a signed PUT would: overwriting.
func (o *memObjects) put(name, contentType string, data []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.m[name] = memObject{contentType, bytes.Clone(data), o.now()}
}

func (o *memObjects) Open(_ context.Context, name string) (io.ReadCloser, int64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	obj, ok := o.m[name]
	if !ok {
		return nil, 0, apperr.E(apperr.NotFound, "no object")
	}
	return io.NopCloser(bytes.NewReader(obj.data)), int64(len(obj.data)), nil
}

func (o *memObjects) Delete(_ context.Context, name string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.m, name)
	return nil
}

func (o *memObjects) List(_ context.Context, prefix string, before time.Time) ([]string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for name, obj := range o.m {
		if strings.HasPrefix(name, prefix) && obj.created.Before(before) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (o *memObjects) names() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for name := range o.m {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// fakeSigner writes what it signed into the URL, plus a serial number so
// that two signatures differ.
type fakeSigner struct {
	mu sync.Mutex
	n  int
}

func (s *fakeSigner) SignedURL(object, method, contentType string, expires time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return fmt.Sprintf("signed:%s:%s:%s:%d:%d", method, object, contentType, expires.Unix(), s.n), nil
}

func (s *fakeSigner) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// memOutbox records the events the service records, in order.
type memOutbox struct {
	mu       sync.Mutex
	uploaded []asset.Asset
	deleted  []asset.Asset
	notified int
	fail     error // returned by every Record call when set
}

var _ asset.Outbox = (*memOutbox)(nil)

func (o *memOutbox) RecordUploaded(_ context.Context, a asset.Asset) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil {
		return o.fail
	}
	o.uploaded = append(o.uploaded, a)
	return nil
}

func (o *memOutbox) RecordDeleted(_ context.Context, a asset.Asset) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil {
		return o.fail
	}
	o.deleted = append(o.deleted, a)
	return nil
}

func (o *memOutbox) Notify() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.notified++
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// data returns the bytes of object name (nil when missing).
func (o *memObjects) data(name string) []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.m[name].data
}
