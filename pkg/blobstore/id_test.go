package blobstore

import (
	"sync"
	"testing"
	"time"
)

func TestNewID(t *testing.T) {
	a := NewID()
	if len(a) != IDLen || !ValidName(a) {
		t.Fatalf("NewID() = %q", a)
	}
	for _, c := range a {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z') {
			t.Fatalf("NewID() = %q: %q is not URL-safe base32", a, c)
		}
	}
	// An ID of a later millisecond sorts later whatever the random part.
	deadline := time.Now().Add(time.Second)
	for b := NewID(); ; b = NewID() {
		if b[:10] != a[:10] {
			if b <= a {
				t.Fatalf("NewID() = %q after %q", b, a)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the millisecond part of NewID did not change within 1s")
		}
	}
}

func TestEncodeID(t *testing.T) {
	tests := []struct {
		ms   int64
		r    [10]byte
		want string
	}{
		{0, [10]byte{}, "00000000000000000000000000"},
		{1, [10]byte{9: 1}, "00000000010000000000000001"},
		{1<<50 - 1, [10]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "zzzzzzzzzzzzzzzzzzzzzzzzzz"},
		{1700000000000, [10]byte{0x80}, "01hf7yat00g000000000000000"},
	}
	for _, tc := range tests {
		if got := encodeID(tc.ms, tc.r); got != tc.want {
			t.Errorf("encodeID(%d, %x) = %q, want %q", tc.ms, tc.r, got, tc.want)
		}
	}
}

func TestIDGeneratorIncreases(t *testing.T) {
	var g IDGenerator
	const n = 10000
	var mu sync.Mutex
	seen := make(map[string]bool, n)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last string
			var lastT time.Time
			for range n / 4 {
				id, created := g.Next()
				if id <= last || created.Before(lastT) {
					t.Errorf("Next() = %q at %v after %q at %v", id, created, last, lastT)
					return
				}
				if created.Location() != time.UTC {
					t.Errorf("created %v is not UTC", created)
				}
				last, lastT = id, created
				mu.Lock()
				seen[id] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d distinct IDs of %d", len(seen), n)
	}
}

func TestIncrementCarries(t *testing.T) {
	b := [10]byte{0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}
	if !increment(&b) || b != [10]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0} {
		t.Fatalf("increment carried to %x", b)
	}
	max := [10]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if increment(&max) {
		t.Fatal("increment of the largest value did not report overflow")
	}
}
