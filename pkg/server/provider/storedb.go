package provider

import (
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// storeDB is the provider's bbolt handle. It counts the write transactions
// it has committed, so that a reader can tell that nothing changed since it
// last read: bbolt runs commit handlers only after the new data is visible,
// so while writes still reads n, no write committed since n was read. The
// basic credentials cache uses it to answer a connect without opening a
// transaction. Every write goes through Update, Batch or Begin(true) here,
// which count it; the embedded *bolt.DB's own are shadowed.
type storeDB struct {
	*bolt.DB
	writes atomic.Uint64
}

func (d *storeDB) wrote() { d.writes.Add(1) }

// Update is bolt's Update, counted.
func (d *storeDB) Update(fn func(*bolt.Tx) error) error {
	return d.DB.Update(func(tx *bolt.Tx) error {
		tx.OnCommit(d.wrote)
		return fn(tx)
	})
}

// Batch is bolt's Batch, counted (fn may run more than once; only the
// transaction that commits counts).
func (d *storeDB) Batch(fn func(*bolt.Tx) error) error {
	return d.DB.Batch(func(tx *bolt.Tx) error {
		tx.OnCommit(d.wrote)
		return fn(tx)
	})
}

// Begin is bolt's Begin; a writable transaction is counted when it commits.
func (d *storeDB) Begin(writable bool) (*bolt.Tx, error) {
	tx, err := d.DB.Begin(writable)
	if err == nil && writable {
		tx.OnCommit(d.wrote)
	}
	return tx, err
}
