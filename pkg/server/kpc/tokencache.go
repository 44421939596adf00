package kpc

import (
	"container/list"
	"sync"
	"time"
)

// Token cache defaults: 100,000 entries of about 250 bytes each is some
// 25 MB at most; a minute bounds how long a missed revocation could go
// unnoticed (revocation events and NATS reconnects clear entries at once).
const (
	DefaultTokenCacheSize = 100_000
	DefaultTokenCacheTTL  = time.Minute
)

// tokenCache remembers the endpoints that 1/KP over HTTP tokens resolved to:
// HTTP has no session to keep them in, and without it every request waits
// for a 16/ECAP round trip first. Only successes are kept, for ttl at most;
// the least recently used entry goes when size is reached. Revocation
// events drop entries as they close MQTT sessions; a NATS reconnect drops
// all (events may have been missed meanwhile).
type tokenCache struct {
	size int
	ttl  time.Duration
	now  func() time.Time

	mu         sync.Mutex
	gen        uint64                   // bumped by every invalidation: a resolution begun before one is not stored
	lru        *list.List               // of *tokenEntry, most recent first
	byKey      map[string]*list.Element // tokenKey(appName, token)
	byTokenID  setIndex[*list.Element]
	byEndpoint setIndex[*list.Element]
}

type tokenEntry struct {
	key     string
	res     tokenResult
	expires time.Time
}

// newTokenCache returns a cache of size entries, or nil (no caching) when
// size or ttl is not positive; a nil cache's methods do nothing.
func newTokenCache(size int, ttl time.Duration, now func() time.Time) *tokenCache {
	if size <= 0 || ttl <= 0 {
		return nil
	}
	return &tokenCache{
		size: size, ttl: ttl, now: now,
		lru:        list.New(),
		byKey:      make(map[string]*list.Element),
		byTokenID:  setIndex[*list.Element]{},
		byEndpoint: setIndex[*list.Element]{},
	}
}

// get returns the cached result of a token and, on a miss, the generation
// to hand put with what the provider says.
func (c *tokenCache) get(appName, token string) (res tokenResult, gen uint64, ok bool) {
	if c == nil {
		return tokenResult{}, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.byKey[tokenKey(appName, token)]
	if el == nil {
		return tokenResult{}, c.gen, false
	}
	e := el.Value.(*tokenEntry)
	if !c.now().Before(e.expires) {
		c.removeLocked(el)
		return tokenResult{}, c.gen, false
	}
	c.lru.MoveToFront(el)
	return e.res, c.gen, true
}

// put stores a successful resolution, unless an invalidation came after
// the get that returned gen (the result may be of a revoked token).
func (c *tokenCache) put(appName, token string, res tokenResult, gen uint64) {
	if c == nil || res.status >= 300 || res.endpointID == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	key := tokenKey(appName, token)
	if el := c.byKey[key]; el != nil {
		c.removeLocked(el)
	}
	for c.lru.Len() >= c.size {
		c.removeLocked(c.lru.Back())
	}
	el := c.lru.PushFront(&tokenEntry{key: key, res: res, expires: c.now().Add(c.ttl)})
	c.byKey[key] = el
	c.byTokenID.add(res.tokenID, el)
	c.byEndpoint.add(res.endpointID, el)
}

// revoke drops the entries of an endpoint or of any of the token IDs.
func (c *tokenCache) revoke(endpointID string, tokenIDs []string) int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	n := 0
	// Each set is read after the drops before it, so no entry comes twice.
	drop := func(els []*list.Element) {
		for _, el := range els {
			c.removeLocked(el)
			n++
		}
	}
	drop(c.byEndpoint.values(endpointID))
	for _, id := range tokenIDs {
		drop(c.byTokenID.values(id))
	}
	return n
}

// clear drops every entry.
func (c *tokenCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.lru.Init()
	clear(c.byKey)
	clear(c.byTokenID)
	clear(c.byEndpoint)
}

func (c *tokenCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

func (c *tokenCache) removeLocked(el *list.Element) {
	e := el.Value.(*tokenEntry)
	c.lru.Remove(el)
	delete(c.byKey, e.key)
	c.byTokenID.drop(e.res.tokenID, el)
	c.byEndpoint.drop(e.res.endpointID, el)
}
