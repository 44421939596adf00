package provider

import (
	"bytes"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// recordCacheSize bounds the decoded records a cache keeps (a basic
// credential is about half a KiB with the bytes it came from).
const recordCacheSize = 100_000

// recordCache keeps records decoded from the store together with the bytes
// they were decoded from, so that a lookup still reads the store (in the
// caller's transaction) but decodes only what changed: an entry is used only
// while the store holds the very same bytes, so no write can leave it stale
// and none has to remember to invalidate it. It spares the JSON decoding of
// a basic credential on every MQTT connect; like mosquitto's password_file,
// the credentials are in memory once the provider has started (warm).
type recordCache[T any] struct {
	mu  sync.RWMutex
	m   map[string]cachedRecord[T]
	max int
}

type cachedRecord[T any] struct {
	raw []byte
	v   T
}

func newRecordCache[T any](max int) *recordCache[T] {
	return &recordCache[T]{m: make(map[string]cachedRecord[T]), max: max}
}

// get is getJSON through the cache.
func (c *recordCache[T]) get(b *bolt.Bucket, k []byte) (T, bool, error) {
	var v T
	data := b.Get(k)
	if data == nil {
		return v, false, nil
	}
	c.mu.RLock()
	e, ok := c.m[string(k)]
	c.mu.RUnlock()
	if ok && bytes.Equal(e.raw, data) {
		return e.v, true, nil
	}
	v, err := decodeJSON[T](k, data)
	if err != nil {
		return v, false, err
	}
	c.put(k, data, v)
	return v, true, nil
}

// put keeps v, decoded from data (which is copied: bbolt's bytes live only
// as long as their transaction). A full cache keeps what it has.
func (c *recordCache[T]) put(k, data []byte, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[string(k)]; !ok && len(c.m) >= c.max {
		return
	}
	c.m[string(k)] = cachedRecord[T]{raw: bytes.Clone(data), v: v}
}

// warm decodes the records of bucket into the cache, up to its size.
func (c *recordCache[T]) warm(db *bolt.DB, bucket []byte) error {
	return db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucket).Cursor()
		for k, data := cur.First(); k != nil && c.len() < c.max; k, data = cur.Next() {
			v, err := decodeJSON[T](k, data)
			if err != nil {
				return err
			}
			c.put(k, data, v)
		}
		return nil
	})
}

func (c *recordCache[T]) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
