package provider

import (
	"errors"
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

// errUnchanged, returned by an Update function that found nothing to change,
// rolls the transaction back and makes Update return nil. A transaction that
// commits counts as a write even when it changed nothing, and a write sends
// every cached credential back to the store once: `kaactl up` sets its demo
// application's auto-register flag on every start, mostly to what it was.
var errUnchanged = errors.New("provider store: nothing to change")

// Update is bolt's Update, counted; see errUnchanged.
func (d *storeDB) Update(fn func(*bolt.Tx) error) error {
	err := d.DB.Update(func(tx *bolt.Tx) error {
		tx.OnCommit(d.wrote)
		return fn(tx)
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
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
