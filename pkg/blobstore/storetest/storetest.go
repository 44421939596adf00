// Package storetest is the conformance suite of blobstore.Store: every
// backend runs it from its own test file, and what it checks is the contract.
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) blobstore.Store { return newStore(t) })
//	}
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kaactl/kaactl/pkg/blobstore"
)

// Option changes what Run checks.
type Option func(*config)

type config struct {
	inMemory  bool
	largeSize int64
}

// InMemory tells Run that the backend keeps whole blobs in memory (ram), so
// the large-blob test checks the content but not the heap bound.
func InMemory() Option { return func(c *config) { c.inMemory = true } }

// LargeSize sets the size of the large streamed blob (default 256 MiB).
func LargeSize(n int64) Option { return func(c *config) { c.largeSize = n } }

// Run runs the suite. newStore returns an empty store for each subtest (its
// cleanup goes in t.Cleanup). Subtests run one after another, so the heap
// measurement of the large-blob test sees only its own Put.
func Run(t *testing.T, newStore func(t *testing.T) blobstore.Store, opts ...Option) {
	c := config{largeSize: 256 << 20}
	for _, o := range opts {
		o(&c)
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s blobstore.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"PutSizeAndCreated", testPutSizeAndCreated},
		{"NewIDsIncrease", testNewIDsIncrease},
		{"Ranges", testRanges},
		{"NotFound", testNotFound},
		{"Invalid", testInvalid},
		{"Replace", testReplace},
		{"Delete", testDelete},
		{"ListOrder", testListOrder},
		{"ListPaging", testListPaging},
		{"ListEndpoint", testListEndpoint},
		{"AppIsolation", testAppIsolation},
		{"Concurrent", testConcurrent},
		{"ConcurrentReplace", testConcurrentReplace},
		{"FailedPut", testFailedPut},
		{"Large", func(t *testing.T, s blobstore.Store) { testLarge(t, s, c, false) }},
		{"LargeSized", func(t *testing.T, s blobstore.Store) { testLarge(t, s, c, true) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

const (
	app = "app-1"
	ep  = "ep-1"
)

// ctxFor is the context of one test: bounded, so a hung backend fails.
func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// random returns n deterministic pseudo-random bytes.
func random(seed uint64, n int) []byte {
	b := make([]byte, n)
	fill(seed).Read(b)
	return b
}

// fill returns an endless deterministic stream of pseudo-random bytes.
func fill(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return rand.NewChaCha8(s)
}

func put(t *testing.T, s blobstore.Store, b blobstore.Blob, data []byte) blobstore.Blob {
	t.Helper()
	got, err := s.Put(ctxFor(t), b, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("put %s/%s/%q: %v", b.App, b.EndpointID, b.ID, err)
	}
	return got
}

// read gets a whole blob and checks that Get's metadata matches want.
func read(t *testing.T, s blobstore.Store, want blobstore.Blob) []byte {
	t.Helper()
	rc, got, err := s.Get(ctxFor(t), want.App, want.EndpointID, want.ID, 0, -1)
	if err != nil {
		t.Fatalf("get %s/%s/%s: %v", want.App, want.EndpointID, want.ID, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", want.ID, err)
	}
	sameBlob(t, "get", got, want)
	return data
}

func sameContentType(a, b string) bool {
	norm := func(s string) string {
		if s == "" {
			return blobstore.DefaultContentType
		}
		return s
	}
	return norm(a) == norm(b)
}

// sameBlob fails unless got describes the same blob as want.
func sameBlob(t *testing.T, what string, got, want blobstore.Blob) {
	t.Helper()
	if got.App != want.App || got.EndpointID != want.EndpointID || got.ID != want.ID ||
		got.Name != want.Name || !sameContentType(got.ContentType, want.ContentType) ||
		got.Size != want.Size || !got.Created.Equal(want.Created) {
		t.Fatalf("%s: got %+v, want %+v", what, got, want)
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func listAll(t *testing.T, s blobstore.Store, app string, opts blobstore.ListOptions) blobstore.ListResult {
	t.Helper()
	res, err := s.List(ctxFor(t), app, opts)
	if err != nil {
		t.Fatalf("list %s %+v: %v", app, opts, err)
	}
	return res
}

func ids(blobs []blobstore.Blob) []string {
	out := make([]string, len(blobs))
	for i, b := range blobs {
		out[i] = b.ID
	}
	return out
}

func sum(data []byte) [32]byte { return sha256.Sum256(data) }
