// Package ram is an in-memory blobstore.Store for tests and single-process
// demos. Put reads the whole blob into memory; everything is lost on exit.
package ram

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/kaactl/kaactl/pkg/blobstore"
	"github.com/kaactl/kaactl/pkg/blobstore/internal/ctxio"
)

var _ blobstore.Store = (*Store)(nil)

// Store keeps blobs in maps guarded by one lock. The zero value is not
// usable; call New.
type Store struct {
	ids blobstore.IDGenerator

	mu   sync.RWMutex
	apps map[string]map[address]entry // app -> blobs of the app
}

type address struct{ endpointID, id string }

// entry is immutable once stored: a replace stores a new entry.
type entry struct {
	blob blobstore.Blob
	data []byte
}

// New returns an empty store.
func New() *Store {
	return &Store{apps: make(map[string]map[address]entry)}
}

// Put implements blobstore.Store.
func (s *Store) Put(ctx context.Context, b blobstore.Blob, r io.Reader) (blobstore.Blob, error) {
	b, r, err := blobstore.StartPut(&s.ids, b, r)
	if err != nil {
		return blobstore.Blob{}, err
	}
	// Copying through a small buffer, rather than reading straight into
	// the growing one, is several times faster under the race detector.
	var buf bytes.Buffer
	if _, err := io.CopyBuffer(struct{ io.Writer }{&buf}, ctxio.Reader(ctx, r), make([]byte, 32<<10)); err != nil {
		return blobstore.Blob{}, fmt.Errorf("read blob: %w", err)
	}
	data := buf.Bytes()
	if err := ctx.Err(); err != nil {
		return blobstore.Blob{}, fmt.Errorf("put blob: %w", context.Cause(ctx))
	}
	b.Size = int64(len(data))

	s.mu.Lock()
	defer s.mu.Unlock()
	blobs := s.apps[b.App]
	if blobs == nil {
		blobs = make(map[address]entry)
		s.apps[b.App] = blobs
	}
	blobs[address{b.EndpointID, b.ID}] = entry{blob: b, data: data}
	return b, nil
}

func (s *Store) lookup(app, endpointID, id string) (entry, error) {
	if err := blobstore.CheckAddress(app, endpointID, id); err != nil {
		return entry{}, err
	}
	s.mu.RLock()
	e, ok := s.apps[app][address{endpointID, id}]
	s.mu.RUnlock()
	if !ok {
		return entry{}, fmt.Errorf("%w: %s/%s/%s", blobstore.ErrNotFound, app, endpointID, id)
	}
	return e, nil
}

// Stat implements blobstore.Store.
func (s *Store) Stat(ctx context.Context, app, endpointID, id string) (blobstore.Blob, error) {
	e, err := s.lookup(app, endpointID, id)
	return e.blob, err
}

// Get implements blobstore.Store.
func (s *Store) Get(ctx context.Context, app, endpointID, id string, offset, length int64) (io.ReadCloser, blobstore.Blob, error) {
	e, err := s.lookup(app, endpointID, id)
	if err != nil {
		return nil, blobstore.Blob{}, err
	}
	n, err := blobstore.Span(e.blob.Size, offset, length)
	if err != nil {
		return nil, blobstore.Blob{}, err
	}
	return io.NopCloser(bytes.NewReader(e.data[offset : offset+n])), e.blob, nil
}

// List implements blobstore.Store.
func (s *Store) List(ctx context.Context, app string, opts blobstore.ListOptions) (blobstore.ListResult, error) {
	if err := blobstore.CheckList(app, opts); err != nil {
		return blobstore.ListResult{}, err
	}
	s.mu.RLock()
	var all []blobstore.Blob
	for a, e := range s.apps[app] {
		if opts.EndpointID == "" || a.endpointID == opts.EndpointID {
			all = append(all, e.blob)
		}
	}
	s.mu.RUnlock()
	return blobstore.Page(all, opts), nil
}

// Delete implements blobstore.Store.
func (s *Store) Delete(ctx context.Context, app, endpointID, id string) error {
	if err := blobstore.CheckAddress(app, endpointID, id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := address{endpointID, id}
	if _, ok := s.apps[app][a]; !ok {
		return fmt.Errorf("%w: %s/%s/%s", blobstore.ErrNotFound, app, endpointID, id)
	}
	delete(s.apps[app], a)
	return nil
}

// Ping implements blobstore.Store; memory is always reachable.
func (s *Store) Ping(ctx context.Context) error { return nil }
