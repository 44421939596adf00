// Package disk is a blobstore.Store in a local directory, for standalone
// mode (kaactl up).
//
// Layout: <root>/<app>/<endpoint>/ holds, per blob, a data file
// "<id>.<version>.blob" and a metadata file "<id>.json" that names the data
// file. Both are written to temp files ("*.tmp") in the same directory,
// fsynced and renamed into place; the rename of the metadata file is the
// moment the blob (or its replacement) becomes visible. Open removes what a
// crash can leave behind: temp files and data files no metadata names.
//
// One process owns a root directory at a time.
package disk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/kaactl/kaactl/pkg/blobstore"
	"github.com/kaactl/kaactl/pkg/blobstore/internal/ctxio"
)

var _ blobstore.Store = (*Store)(nil)

const (
	metaSuffix = ".json"
	dataSuffix = ".blob"
	tempSuffix = ".tmp"
	copyBuffer = 256 << 10
)

// Store keeps blobs in a directory tree.
type Store struct {
	root string
	ids  blobstore.IDGenerator

	// mu orders the switch of a metadata file and the removal of the data
	// file it named (write lock) against readers that go from a metadata
	// file to its data file (read lock).
	mu sync.RWMutex
}

// meta is the content of a metadata file.
type meta struct {
	blobstore.Blob
	Data string `json:"data"` // data file name, in the same directory
}

// Open returns a store rooted at dir, creating dir if needed, and removes
// leftovers of interrupted writes.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("disk blob store: empty directory")
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("disk blob store: %w", err)
	}
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("disk blob store: %w", err)
	}
	s := &Store{root: root}
	if err := s.removeLeftovers(); err != nil {
		return nil, fmt.Errorf("disk blob store: clean %s: %w", root, err)
	}
	return s, nil
}

// Dir returns the root directory.
func (s *Store) Dir() string { return s.root }

func (s *Store) endpointDir(app, endpointID string) string {
	return filepath.Join(s.root, app, endpointID)
}

// removeLeftovers deletes temp files and unreferenced data files.
func (s *Store) removeLeftovers() error {
	apps, err := os.ReadDir(s.root)
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range apps {
		if !a.IsDir() {
			continue
		}
		eps, err := os.ReadDir(filepath.Join(s.root, a.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, ep := range eps {
			if ep.IsDir() {
				errs = append(errs, cleanDir(filepath.Join(s.root, a.Name(), ep.Name())))
			}
		}
	}
	return errors.Join(errs...)
}

func cleanDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	used := make(map[string]bool)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), metaSuffix) {
			if m, err := readMeta(filepath.Join(dir, e.Name())); err == nil {
				used[m.Data] = true
			}
		}
	}
	var errs []error
	for _, e := range entries {
		n := e.Name()
		if strings.HasSuffix(n, tempSuffix) || (strings.HasSuffix(n, dataSuffix) && !used[n]) {
			if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func readMeta(path string) (meta, error) {
	var m meta
	data, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// stat reads the metadata of one blob.
func (s *Store) stat(app, endpointID, id string) (meta, error) {
	if err := blobstore.CheckAddress(app, endpointID, id); err != nil {
		return meta{}, err
	}
	m, err := readMeta(filepath.Join(s.endpointDir(app, endpointID), id+metaSuffix))
	if errors.Is(err, fs.ErrNotExist) {
		return meta{}, fmt.Errorf("%w: %s/%s/%s", blobstore.ErrNotFound, app, endpointID, id)
	}
	if err != nil {
		return meta{}, fmt.Errorf("read blob metadata: %w", err)
	}
	m.App, m.EndpointID, m.ID = app, endpointID, id
	return m, nil
}

// Put implements blobstore.Store.
func (s *Store) Put(ctx context.Context, b blobstore.Blob, r io.Reader) (blobstore.Blob, error) {
	b, r, err := blobstore.StartPut(&s.ids, b, r)
	if err != nil {
		return blobstore.Blob{}, err
	}
	dir := s.endpointDir(b.App, b.EndpointID)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return blobstore.Blob{}, fmt.Errorf("put blob: %w", err)
	}

	tmpData, size, err := writeTemp(dir, func(w io.Writer) (int64, error) {
		// The wrapper hides the file's ReadFrom, so the copy goes through
		// this one fixed buffer.
		return io.CopyBuffer(struct{ io.Writer }{w}, ctxio.Reader(ctx, r), make([]byte, copyBuffer))
	})
	if err != nil {
		return blobstore.Blob{}, fmt.Errorf("put blob: %w", err)
	}
	dataName := b.ID + "." + version() + dataSuffix
	dataPath := filepath.Join(dir, dataName)
	committed := false
	defer func() {
		if !committed {
			_ = os.Remove(tmpData)
			_ = os.Remove(dataPath)
		}
	}()
	b.Size = size
	tmpMeta, _, err := writeTemp(dir, func(w io.Writer) (int64, error) {
		return 0, json.NewEncoder(w).Encode(meta{Blob: b, Data: dataName})
	})
	if err != nil {
		return blobstore.Blob{}, fmt.Errorf("put blob: %w", err)
	}
	defer func() {
		if !committed {
			_ = os.Remove(tmpMeta)
		}
	}()
	// Not visible yet: only a metadata file makes a data file part of a blob.
	if err := os.Rename(tmpData, dataPath); err != nil {
		return blobstore.Blob{}, fmt.Errorf("put blob: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return blobstore.Blob{}, fmt.Errorf("put blob: %w", context.Cause(ctx))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	metaPath := filepath.Join(dir, b.ID+metaSuffix)
	old, oldErr := readMeta(metaPath)
	if err := os.Rename(tmpMeta, metaPath); err != nil {
		return blobstore.Blob{}, fmt.Errorf("put blob: %w", err)
	}
	committed = true
	if err := syncDir(dir); err != nil {
		return blobstore.Blob{}, fmt.Errorf("put blob: %w", err)
	}
	if oldErr == nil && old.Data != dataName {
		// A leftover here is removed by the next Open.
		_ = os.Remove(filepath.Join(dir, old.Data))
	}
	return b, nil
}

// writeTemp writes a new temp file in dir with fill, fsyncs and closes it,
// and returns its path; on error nothing is left.
func writeTemp(dir string, fill func(io.Writer) (int64, error)) (path string, n int64, err error) {
	f, err := os.CreateTemp(dir, ".put-*"+tempSuffix)
	if err != nil {
		return "", 0, err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if n, err = fill(f); err != nil {
		return "", 0, err
	}
	if err = f.Sync(); err != nil {
		return "", 0, err
	}
	if err = f.Close(); err != nil {
		return "", 0, err
	}
	return f.Name(), n, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func version() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Stat implements blobstore.Store.
func (s *Store) Stat(ctx context.Context, app, endpointID, id string) (blobstore.Blob, error) {
	m, err := s.stat(app, endpointID, id)
	return m.Blob, err
}

// Get implements blobstore.Store.
func (s *Store) Get(ctx context.Context, app, endpointID, id string, offset, length int64) (io.ReadCloser, blobstore.Blob, error) {
	s.mu.RLock()
	m, err := s.stat(app, endpointID, id)
	if err != nil {
		s.mu.RUnlock()
		return nil, blobstore.Blob{}, err
	}
	f, err := os.Open(filepath.Join(s.endpointDir(app, endpointID), m.Data))
	s.mu.RUnlock()
	if err != nil {
		return nil, blobstore.Blob{}, fmt.Errorf("get blob: %w", err)
	}
	n, err := blobstore.Span(m.Size, offset, length)
	if err != nil {
		f.Close()
		return nil, blobstore.Blob{}, err
	}
	return &section{SectionReader: io.NewSectionReader(f, offset, n), f: f}, m.Blob, nil
}

type section struct {
	*io.SectionReader
	f *os.File
}

func (s *section) Close() error { return s.f.Close() }

// List implements blobstore.Store.
func (s *Store) List(ctx context.Context, app string, opts blobstore.ListOptions) (blobstore.ListResult, error) {
	if err := blobstore.CheckList(app, opts); err != nil {
		return blobstore.ListResult{}, err
	}
	eps := []string{opts.EndpointID}
	if opts.EndpointID == "" {
		entries, err := os.ReadDir(filepath.Join(s.root, app))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return blobstore.ListResult{}, fmt.Errorf("list blobs: %w", err)
		}
		eps = eps[:0]
		for _, e := range entries {
			if e.IsDir() {
				eps = append(eps, e.Name())
			}
		}
	}
	var all []blobstore.Blob
	for _, ep := range eps {
		dir := s.endpointDir(app, ep)
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return blobstore.ListResult{}, fmt.Errorf("list blobs: %w", err)
		}
		for _, e := range entries {
			id, ok := strings.CutSuffix(e.Name(), metaSuffix)
			if !ok || !blobstore.ValidName(id) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return blobstore.ListResult{}, fmt.Errorf("list blobs: %w", err)
			}
			m, err := readMeta(filepath.Join(dir, e.Name()))
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted meanwhile
			}
			if err != nil {
				return blobstore.ListResult{}, fmt.Errorf("list blobs: %w", err)
			}
			m.App, m.EndpointID, m.ID = app, ep, id
			all = append(all, m.Blob)
		}
	}
	return blobstore.Page(all, opts), nil
}

// Delete implements blobstore.Store.
func (s *Store) Delete(ctx context.Context, app, endpointID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.stat(app, endpointID, id)
	if err != nil {
		return err
	}
	dir := s.endpointDir(app, endpointID)
	if err := os.Remove(filepath.Join(dir, id+metaSuffix)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s/%s/%s", blobstore.ErrNotFound, app, endpointID, id)
		}
		return fmt.Errorf("delete blob: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("delete blob: %w", err)
	}
	_ = os.Remove(filepath.Join(dir, m.Data)) // a leftover is removed by the next Open
	return nil
}

// Ping implements blobstore.Store: the root directory must be there.
func (s *Store) Ping(ctx context.Context) error {
	fi, err := os.Stat(s.root)
	if err != nil {
		return fmt.Errorf("%w: %w", blobstore.ErrUnavailable, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a directory", blobstore.ErrUnavailable, s.root)
	}
	return nil
}
