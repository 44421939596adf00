package blobstore

import (
	"crypto/rand"
	"sync"
	"time"
)

// idAlphabet is Crockford's base32 in lower case: URL-safe, and its ASCII
// order is its digit order, so IDs compare as strings like their values.
const idAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// IDLen is the length of an ID made by NewID or IDGenerator: 10 characters of
// milliseconds since the Unix epoch followed by 16 characters (80 bits) of
// randomness, like a ULID.
const IDLen = 26

// NewID returns a new random blob ID whose lexicographic order is the order of
// the millisecond it was made in. IDs made in the same millisecond are in no
// particular order; an IDGenerator orders those too.
func NewID() string {
	var r [10]byte
	_, _ = rand.Read(r[:]) // never fails (crypto/rand panics instead)
	return encodeID(time.Now().UnixMilli(), r)
}

// IDGenerator makes blob IDs that are strictly increasing for one generator
// (a store), even within one millisecond or when the clock steps back. The
// zero value is ready to use and safe for concurrent use.
type IDGenerator struct {
	mu     sync.Mutex
	lastMS int64
	last   [10]byte
}

// Next returns a new ID and the creation time to store with it. Both are
// taken under one lock, so the order of IDs and of their times agree (unless
// the clock steps back).
func (g *IDGenerator) Next() (string, time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now().UTC().Round(0) // wall clock only: it is stored
	ms := now.UnixMilli()
	if ms > g.lastMS {
		g.lastMS = ms
		_, _ = rand.Read(g.last[:])
		// Keep headroom so increments within the millisecond rarely carry
		// into the next one.
		g.last[0] &= 0x7f
	} else if !increment(&g.last) {
		// 2^79 IDs in one millisecond cannot happen; a step of the clock
		// keeps order anyway.
		g.lastMS++
	}
	return encodeID(g.lastMS, g.last), now
}

// increment adds one to a big-endian number and reports false on overflow.
func increment(b *[10]byte) bool {
	for i := len(b) - 1; i >= 0; i-- {
		b[i]++
		if b[i] != 0 {
			return true
		}
	}
	return false
}

func encodeID(ms int64, r [10]byte) string {
	var out [IDLen]byte
	for i := 9; i >= 0; i-- {
		out[i] = idAlphabet[ms&31]
		ms >>= 5
	}
	// 80 bits of randomness are exactly 16 base32 digits.
	var acc uint64
	bits := 0
	j := 10
	for _, c := range r {
		acc = acc<<8 | uint64(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out[j] = idAlphabet[(acc>>bits)&31]
			j++
		}
	}
	return string(out[:])
}
