package gcsstore

import (
	"sync"
	"time"

	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
)

// metaCache keeps confirmed assets' metadata in memory for a while.
type metaCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu sync.Mutex
	m  map[string]cachedAsset
}

type cachedAsset struct {
	a     asset.Asset
	until time.Time
}

func newMetaCache(ttl time.Duration, max int) *metaCache {
	return &metaCache{ttl: ttl, max: max, now: time.Now, m: map[string]cachedAsset{}}
}

func (c *metaCache) get(id string) (asset.Asset, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok {
		return asset.Asset{}, false
	}
	if c.now().After(e.until) {
		delete(c.m, id)
		return asset.Asset{}, false
	}
	return e.a, true
}

func (c *metaCache) put(a asset.Asset) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		// Full: forget an arbitrary tenth; they are read again if needed.
		n := max(c.max/10, 1)
		for k := range c.m {
			if n == 0 {
				break
			}
			delete(c.m, k)
			n--
		}
	}
	c.m[a.ID] = cachedAsset{a: a, until: c.now().Add(c.ttl)}
}

func (c *metaCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}
