package sim

import (
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 1 << 20, 123456789, 1<<63 - 1} {
		i := bucketOf(v)
		if ub := upperBound(i); ub < v || (i > 0 && upperBound(i-1) >= v) {
			t.Errorf("value %d in bucket %d with bounds (%d, %d]", v, i, upperBound(i-1), ub)
		}
		if ub := upperBound(i); v >= subBuckets && float64(ub-v) > float64(v)/subBuckets {
			t.Errorf("value %d: bucket bound %d too coarse", v, ub)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	check := func(q float64, want time.Duration) {
		got := h.quantile(q)
		if got < want || float64(got-want) > float64(want)/100 {
			t.Errorf("q%.2f = %v, want about %v", q, got, want)
		}
	}
	check(0.5, 500*time.Millisecond)
	check(0.9, 900*time.Millisecond)
	check(0.99, 990*time.Millisecond)
	if got := h.quantile(1); got != time.Second {
		t.Errorf("max = %v", got)
	}
	var empty histogram
	if empty.quantile(0.99) != 0 {
		t.Error("empty histogram has a quantile")
	}
}
