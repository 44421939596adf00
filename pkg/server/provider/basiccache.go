package provider

import (
	"bytes"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// basicCacheSize bounds the basic credentials a cache keeps (about half a
// KiB each with the bytes they came from).
const basicCacheSize = 100_000

// basicCache keeps basic credentials decoded from the store, by tenant and
// username, with the bytes they were decoded from and the store's write
// count (storeDB.writes) when they were last known current. While the store
// has committed no write since, a check is answered from memory alone, like
// mosquitto's password_file; after any write, the next check of an entry
// reads the store again and decodes only if the bytes differ. So no write
// can leave an entry stale and none has to remember to invalidate it.
type basicCache struct {
	mu  sync.RWMutex
	m   map[string]*basicEntry // key(tenant, username)
	max int
}

type basicEntry struct {
	raw  []byte // the record as stored
	rec  basicRecord
	hash passwordHash // rec.PasswordHash, parsed
	// seen is storeDB.writes read before the read transaction that last
	// found raw in the store.
	seen atomic.Uint64
}

func newBasicCache(max int) *basicCache {
	return &basicCache{m: make(map[string]*basicEntry), max: max}
}

// current returns the entry for k if the store has committed no write since
// it was last found there (writes is storeDB.writes now).
func (c *basicCache) current(k []byte, writes uint64) *basicEntry {
	c.mu.RLock()
	e := c.m[string(k)]
	c.mu.RUnlock()
	if e != nil && e.seen.Load() == writes {
		return e
	}
	return nil
}

// get returns the entry for k whose record is data, read in a transaction
// begun after writes was read: the cached one if its bytes are data (now
// known current at writes), else data decoded and kept.
func (c *basicCache) get(k, data []byte, writes uint64) (*basicEntry, error) {
	c.mu.RLock()
	e := c.m[string(k)]
	c.mu.RUnlock()
	if e != nil && bytes.Equal(e.raw, data) {
		// Concurrent checks may store older counts: that only costs the next
		// check a read, never an answer from a stale entry.
		e.seen.Store(writes)
		return e, nil
	}
	rec, err := decodeJSON[basicRecord](k, data)
	if err != nil {
		return nil, err
	}
	e = &basicEntry{raw: bytes.Clone(data), rec: rec, hash: parseHash(rec.PasswordHash)}
	e.seen.Store(writes)
	c.put(k, e)
	return e, nil
}

// put keeps e under k; a full cache keeps what it has.
func (c *basicCache) put(k []byte, e *basicEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[string(k)]; !ok && len(c.m) >= c.max {
		return
	}
	c.m[string(k)] = e
}

// drop forgets k.
func (c *basicCache) drop(k []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, string(k))
}

// warm decodes the credentials that usernames point to into the cache, up
// to its size.
func (c *basicCache) warm(db *storeDB) error {
	writes := db.writes.Load()
	return db.View(func(tx *bolt.Tx) error {
		basic := tx.Bucket(bucketBasic)
		cur := tx.Bucket(bucketBasicUsers).Cursor()
		for k, id := cur.First(); k != nil && c.len() < c.max; k, id = cur.Next() {
			tenant, _, _ := bytes.Cut(k, []byte{0})
			data := basic.Get(key(string(tenant), string(id)))
			if data == nil {
				continue
			}
			if _, err := c.get(k, data, writes); err != nil {
				return err
			}
		}
		return nil
	})
}

func (c *basicCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
