package sim

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram is a lock-free log-linear latency histogram in nanoseconds: values
// below 128 ns are exact, larger ones fall in one of 128 linear sub-buckets of
// their power of two, so a reported percentile is within 1/128 (< 0.8%) of the
// true value. Percentiles come from bucket counts, never from averaging.
type histogram struct {
	counts [subBuckets * 58]atomic.Int64
	total  atomic.Int64
	max    atomic.Int64
}

const (
	subBits    = 7
	subBuckets = 1 << subBits
)

func bucketOf(v uint64) int {
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1 // top = v>>shift is in [128, 256)
	top := v >> uint(shift)
	return subBuckets + shift*subBuckets + int(top-subBuckets)
}

// upperBound is the largest value that falls in bucket i.
func upperBound(i int) uint64 {
	if i < subBuckets {
		return uint64(i)
	}
	shift := (i - subBuckets) / subBuckets
	top := uint64(subBuckets + (i-subBuckets)%subBuckets)
	return ((top + 1) << uint(shift)) - 1
}

func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))].Add(1)
	h.total.Add(1)
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// quantile returns the value at or below which a fraction q of the recorded
// values lie (the bucket's upper bound, capped at the maximum seen).
func (h *histogram) quantile(q float64) time.Duration {
	n := h.total.Load()
	if n == 0 {
		return 0
	}
	rank := int64(q*float64(n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	max := h.max.Load()
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return time.Duration(min(int64(upperBound(i)), max))
		}
	}
	return time.Duration(max)
}
