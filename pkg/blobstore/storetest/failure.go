package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/kaactl/kaactl/pkg/blobstore"
)

func testConcurrent(t *testing.T, s blobstore.Store) {
	const writers, each = 16, 4
	type result struct {
		blob blobstore.Blob
		sum  [32]byte
	}
	results := make(chan result, writers*each)
	errs := make(chan error, writers*each)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				data := random(uint64(w*each+i), 1000+w*each+i)
				endpoint := fmt.Sprintf("ep-%d", w%3)
				b, err := s.Put(ctxFor(t), blobstore.Blob{App: app, EndpointID: endpoint, Name: fmt.Sprintf("w%d-%d", w, i)}, bytes.NewReader(data))
				if err != nil {
					errs <- err
					continue
				}
				results <- result{b, sum(data)}
			}
		}()
	}
	wg.Wait()
	close(results)
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent put: %v", err)
	}
	seen := make(map[string]bool)
	for r := range results {
		if seen[r.blob.ID] {
			t.Fatalf("ID %s assigned twice", r.blob.ID)
		}
		seen[r.blob.ID] = true
		if sum(read(t, s, r.blob)) != r.sum {
			t.Fatalf("blob %s (%s) corrupted", r.blob.ID, r.blob.Name)
		}
	}
	res := listAll(t, s, app, blobstore.ListOptions{})
	if res.Total != writers*each || len(res.Blobs) != writers*each {
		t.Fatalf("list: %d blobs (total %d), want %d", len(res.Blobs), res.Total, writers*each)
	}
	for _, b := range res.Blobs {
		if !seen[b.ID] {
			t.Fatalf("list has unknown blob %+v", b)
		}
	}
}

// testConcurrentReplace puts one ID from many goroutines: one of the writes
// wins whole, with its own metadata and content.
func testConcurrentReplace(t *testing.T, s blobstore.Store) {
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3 {
				name := fmt.Sprintf("w%d-%d", w, i)
				_, err := s.Put(ctxFor(t), blobstore.Blob{App: app, EndpointID: ep, ID: "contended", Name: name}, bytes.NewReader(random(uint64(len(name)), 100+w)))
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	// Readers meanwhile always see a whole blob.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			rc, b, err := s.Get(ctxFor(t), app, ep, "contended", 0, -1)
			if errors.Is(err, blobstore.ErrNotFound) {
				continue
			}
			if err != nil {
				errs <- err
				return
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err == nil && int64(len(data)) != b.Size {
				err = fmt.Errorf("read %d bytes of a %d-byte blob", len(data), b.Size)
			}
			if err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	<-done
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent replace: %v", err)
	}
	res := listAll(t, s, app, blobstore.ListOptions{})
	if res.Total != 1 {
		t.Fatalf("list after concurrent replace: %d blobs", res.Total)
	}
	b := res.Blobs[0]
	var w, i int
	if _, err := fmt.Sscanf(b.Name, "w%d-%d", &w, &i); err != nil {
		t.Fatalf("winner has name %q", b.Name)
	}
	if got := read(t, s, b); !bytes.Equal(got, random(uint64(len(b.Name)), 100+w)) {
		t.Fatalf("winner %q has another writer's content", b.Name)
	}
}

var errReader = errors.New("reader broke")

// brokenReader yields n bytes of data, then fails.
type brokenReader struct {
	r io.Reader
	n int64
}

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, errReader
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.r.Read(p)
	b.n -= int64(n)
	return n, err
}

// cancellingReader cancels its context after n bytes and goes on reading.
type cancellingReader struct {
	r      io.Reader
	n      int64
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n -= int64(n); c.n <= 0 {
		c.cancel()
	}
	return n, err
}

func testFailedPut(t *testing.T, s blobstore.Store) {
	old := put(t, s, blobstore.Blob{App: app, EndpointID: ep, ID: "existing", Name: "old"}, []byte("old content"))
	// Past 16 MiB a backend that uploads in parts has sent some.
	const big = 20 << 20
	tests := []struct {
		name   string
		at     int64 // bytes read before the failure
		cancel bool  // the context ends instead of the reader failing
	}{
		{"reader fails at once", 0, false},
		{"reader fails after 1 KiB", 1 << 10, false},
		{"reader fails after 20 MiB", big, false},
		{"cancelled before", -1, true},
		{"cancelled after 1 KiB", 1 << 10, true},
		{"cancelled after 20 MiB", big, true},
	}
	for _, tc := range tests {
		for _, id := range []string{"", "existing", "new-id"} {
			ctx, cancel := context.WithCancel(ctxFor(t))
			var r io.Reader
			src := io.LimitReader(fill(7), 2*big)
			switch {
			case !tc.cancel:
				r = &brokenReader{r: src, n: tc.at}
			case tc.at < 0:
				cancel()
				r = src
			default:
				r = &cancellingReader{r: src, n: tc.at, cancel: cancel}
			}
			b, err := s.Put(ctx, blobstore.Blob{App: app, EndpointID: ep, ID: id, Name: "new"}, r)
			cancel()
			what := fmt.Sprintf("%s, id %q", tc.name, id)
			if err == nil {
				t.Fatalf("%s: put succeeded: %+v", what, b)
			}
			if want := errReader; !tc.cancel && !errors.Is(err, want) {
				t.Fatalf("%s: error %v does not wrap %v", what, err, want)
			}
			if want := context.Canceled; tc.cancel && !errors.Is(err, want) {
				t.Fatalf("%s: error %v does not wrap %v", what, err, want)
			}
			res := listAll(t, s, app, blobstore.ListOptions{})
			if res.Total != 1 || res.Blobs[0].ID != old.ID {
				t.Fatalf("%s: list after failed put: %v", what, ids(res.Blobs))
			}
			st, err := s.Stat(ctxFor(t), app, ep, old.ID)
			if err != nil {
				t.Fatalf("%s: stat of the blob a failed put would replace: %v", what, err)
			}
			sameBlob(t, what, st, old)
			if got := read(t, s, old); string(got) != "old content" {
				t.Fatalf("%s: content after failed replace: %q", what, got)
			}
			_, err = s.Stat(ctxFor(t), app, ep, "new-id")
			wantErr(t, what+": stat of failed new blob", err, blobstore.ErrNotFound)
		}
	}
}
