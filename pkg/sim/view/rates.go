package view

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/kaactl/kaactl/pkg/sim"
)

// rates are per-second rates from the difference of two snapshots.
type rates struct {
	Connects    float64 // successful connections
	Requests    float64 // finished requests, OK or failed (like the report's throughput)
	UploadBytes float64
	CPU         float64 // the simulator's CPU as a share of one core: 1 is one core busy
}

func ratesBetween(prev, cur sim.Snapshot) rates {
	dt := (cur.Elapsed - prev.Elapsed).Seconds()
	if dt <= 0 {
		return rates{}
	}
	per := func(d float64) float64 { return max(d, 0) / dt }
	return rates{
		Connects:    per(float64(cur.Connects - prev.Connects)),
		Requests:    per(float64(cur.Finished - prev.Finished)),
		UploadBytes: per(float64(cur.UploadBytes - prev.UploadBytes)),
		CPU:         per((cur.CPU - prev.CPU).Seconds()),
	}
}

// rateWindow smooths rates over about span: it measures from the newest
// snapshot at least span old (or the start of the run) to the latest.
type rateWindow struct {
	span  time.Duration
	snaps []sim.Snapshot
}

func (w *rateWindow) add(s sim.Snapshot) rates {
	if n := len(w.snaps); n > 0 && s.Elapsed < w.snaps[n-1].Elapsed {
		w.snaps = w.snaps[:0] // time went back: a new run
	}
	if len(w.snaps) == 0 {
		w.snaps = append(w.snaps, sim.Snapshot{}) // the start, every counter zero
	}
	w.snaps = append(w.snaps, s)
	for len(w.snaps) > 2 && s.Elapsed-w.snaps[1].Elapsed >= w.span {
		w.snaps = w.snaps[1:]
	}
	return ratesBetween(w.snaps[0], s)
}

type errorKind struct {
	Kind string
	N    int64
}

// topErrorKinds returns the n most frequent kinds (ties by name) and how
// many kinds were left out.
func topErrorKinds(m map[string]int64, n int) (top []errorKind, rest int) {
	for k, c := range m {
		top = append(top, errorKind{k, c})
	}
	slices.SortFunc(top, func(a, b errorKind) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Kind, b.Kind))
	})
	if len(top) > n {
		return top[:n], len(top) - n
	}
	return top, 0
}

func formatLatency(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms >= 1000:
		return fmt.Sprintf("%.2f s", ms/1000)
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.2f ms", ms)
}
