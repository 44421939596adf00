package s3

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

func TestReadPart(t *testing.T) {
	pool := newChunkPool(4 * chunkSize)
	data := make([]byte, 3*chunkSize+100)
	rand.NewChaCha8([32]byte{}).Read(data)
	tests := []struct {
		name  string
		n     int   // bytes in the stream
		limit int64 // part size
		last  bool
	}{
		{"empty", 0, 2 * chunkSize, true},
		{"small", 10, 2 * chunkSize, true},
		{"one chunk", chunkSize, 2 * chunkSize, true},
		{"exactly the limit", 2 * chunkSize, 2 * chunkSize, false}, // the end is not known yet
		{"beyond the limit", len(data), 2 * chunkSize, false},
		{"limit not a chunk multiple", len(data), chunkSize + 7, false},
		{"ends in a chunk", len(data), 4 * chunkSize, true},
	}
	for _, tc := range tests {
		p, last, err := pool.readPart(iotest.HalfReader(bytes.NewReader(data[:tc.n])), tc.limit)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := data[:min(int64(tc.n), tc.limit)]
		if last != tc.last || p.size != int64(len(want)) {
			t.Fatalf("%s: size %d last %v, want %d %v", tc.name, p.size, last, len(want), tc.last)
		}
		got, err := io.ReadAll(p.reader())
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: read back %d bytes (%v), differ", tc.name, len(got), err)
		}
		// Random access, as a retry after a seek does.
		if p.size > 10 {
			buf := make([]byte, 10)
			off := p.size / 2
			if n, err := p.ReadAt(buf, off); n != 10 || err != nil || !bytes.Equal(buf, want[off:off+10]) {
				t.Fatalf("%s: ReadAt(%d) = %d, %v", tc.name, off, n, err)
			}
		}
		if n, err := p.ReadAt(make([]byte, 1), p.size); n != 0 || err != io.EOF {
			t.Fatalf("%s: ReadAt at the end = %d, %v", tc.name, n, err)
		}
		pool.release(p)
	}
	broken := errors.New("broken")
	_, _, err := pool.readPart(io.MultiReader(bytes.NewReader(data[:100]), iotest.ErrReader(broken)), chunkSize)
	if !errors.Is(err, broken) {
		t.Fatalf("read error: %v", err)
	}
	if len(pool) > cap(pool) {
		t.Fatal("pool over its bound")
	}
}
