package storetest

import (
	"crypto/sha256"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/kaactl/kaactl/pkg/blobstore"
)

// heapBound is how much the heap may grow while a backend streams a large
// blob: a few buffers, nothing that grows with the blob.
const heapBound = 64 << 20

// heapPeak samples the heap until stop is called and returns the largest
// growth over the heap at the start.
func heapPeak() (stop func() uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var (
		peak uint64
		wg   sync.WaitGroup
		quit = make(chan struct{})
	)
	sample := func() {
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
			peak = ms.HeapAlloc - base
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				sample()
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	return func() uint64 {
		close(quit)
		wg.Wait()
		return peak
	}
}

// testLarge streams a large blob, with or without announcing its size (the
// two take different paths in the s3 backend).
func testLarge(t *testing.T, s blobstore.Store, c config, sized bool) {
	if testing.Short() {
		t.Skip("large blob: skipped in -short mode")
	}
	size := c.largeSize
	h := sha256.New()
	src := io.TeeReader(io.LimitReader(fill(42), size), h)

	var stop func() uint64
	if !c.inMemory {
		stop = heapPeak()
	}
	start := time.Now()
	spec := blobstore.Blob{App: app, EndpointID: ep, Name: "large.bin"}
	if sized {
		spec.Size = size
	}
	b, err := s.Put(ctxFor(t), spec, src)
	if stop != nil {
		peak := stop()
		t.Logf("put of %d MiB: %v, heap growth %.1f MiB", size>>20, time.Since(start).Round(time.Millisecond), float64(peak)/(1<<20))
		if peak > heapBound {
			t.Errorf("heap grew by %d MiB while streaming %d MiB, bound %d MiB", peak>>20, size>>20, heapBound>>20)
		}
	}
	if err != nil {
		t.Fatalf("put large: %v", err)
	}
	if b.Size != size {
		t.Fatalf("put large: size %d, want %d", b.Size, size)
	}
	want := h.Sum(nil)

	rc, got, err := s.Get(ctxFor(t), app, ep, b.ID, 0, -1)
	if err != nil {
		t.Fatalf("get large: %v", err)
	}
	defer rc.Close()
	sameBlob(t, "get large", got, b)
	h.Reset()
	n, err := io.Copy(h, rc)
	if err != nil || n != size {
		t.Fatalf("read large: %d bytes, %v", n, err)
	}
	if string(h.Sum(nil)) != string(want) {
		t.Fatal("large blob read back differs (sha256)")
	}

	// A range deep inside the blob is the same bytes as the stream had.
	off, length := size-(3<<20)-7, int64(1<<20)
	rc2, _, err := s.Get(ctxFor(t), app, ep, b.ID, off, length)
	if err != nil {
		t.Fatalf("get large range: %v", err)
	}
	defer rc2.Close()
	h.Reset()
	if n, err := io.Copy(h, rc2); err != nil || n != length {
		t.Fatalf("read large range: %d bytes, %v", n, err)
	}
	w, stream := sha256.New(), fill(42)
	if _, err := io.CopyN(io.Discard, stream, off); err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(w, stream, length); err != nil {
		t.Fatal(err)
	}
	if string(h.Sum(nil)) != string(w.Sum(nil)) {
		t.Fatal("large blob range differs")
	}
}
