package view

import (
	"math"
	"testing"
	"time"

	"github.com/kaactl/kaactl/pkg/sim"
)

func TestRatesBetween(t *testing.T) {
	sec := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	tests := []struct {
		name      string
		prev, cur sim.Snapshot
		want      rates
	}{
		{"from the start", sim.Snapshot{},
			sim.Snapshot{Elapsed: sec(2), Connects: 100, OK: 380, Errors: 20, UploadBytes: 4e6, CPU: sec(1), Finished: 380 + 20},
			rates{Connects: 50, Requests: 200, UploadBytes: 2e6, CPU: 0.5}},
		{"between two", sim.Snapshot{Elapsed: sec(1), Connects: 10, OK: 100, Errors: 1, CPU: sec(0.5), Finished: 100 + 1},
			sim.Snapshot{Elapsed: sec(1.5), Connects: 10, OK: 600, Errors: 1, CPU: sec(1.5), Finished: 600 + 1},
			rates{Requests: 1000, CPU: 2}},
		{"no time passed", sim.Snapshot{Elapsed: sec(1), OK: 5, Finished: 5}, sim.Snapshot{Elapsed: sec(1), OK: 10, Finished: 10}, rates{}},
		{"time went back", sim.Snapshot{Elapsed: sec(2)}, sim.Snapshot{Elapsed: sec(1), OK: 10, Finished: 10}, rates{}},
		{"counter went back", sim.Snapshot{OK: 10, Finished: 10}, sim.Snapshot{Elapsed: sec(1), OK: 5, Finished: 5}, rates{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ratesBetween(tt.prev, tt.cur); !ratesNear(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func ratesNear(a, b rates) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	return near(a.Connects, b.Connects) && near(a.Requests, b.Requests) && near(a.UploadBytes, b.UploadBytes) && near(a.CPU, b.CPU)
}

func TestRateWindow(t *testing.T) {
	tick := 250 * time.Millisecond
	tests := []struct {
		name string
		ok   []int64 // cumulative OK at each 250ms tick
		want float64 // req/s after the last tick
	}{
		{"first tick measures from the start", []int64{50}, 200},
		{"steady", []int64{100, 200, 300, 400, 500, 600, 700, 800}, 400},
		// A burst of 1000 in one tick is spread over the second it falls in...
		{"burst inside the window", []int64{0, 0, 0, 0, 1000, 1000, 1000}, 1000},
		// ...and forgotten once it is more than a second old.
		{"burst out of the window", []int64{0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000, 1000}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := rateWindow{span: time.Second}
			var got rates
			for i, ok := range tt.ok {
				got = w.add(sim.Snapshot{Elapsed: time.Duration(i+1) * tick, OK: ok, Finished: ok})
			}
			if math.Abs(got.Requests-tt.want) > 1e-9 {
				t.Errorf("req/s %v, want %v", got.Requests, tt.want)
			}
			if len(w.snaps) > 6 {
				t.Errorf("window keeps %d snapshots", len(w.snaps))
			}
		})
	}
	t.Run("new run resets", func(t *testing.T) {
		w := rateWindow{span: time.Second}
		w.add(sim.Snapshot{Elapsed: 5 * time.Second, OK: 5000, Finished: 5000})
		if got := w.add(sim.Snapshot{Elapsed: time.Second, OK: 10, Finished: 10}); got.Requests != 10 {
			t.Errorf("req/s %v after a restart, want 10", got.Requests)
		}
	})
}

func TestTopErrorKinds(t *testing.T) {
	top, rest := topErrorKinds(map[string]int64{"timeout": 5, "status_500": 9, "connect": 5, "disconnected": 1}, 3)
	want := []errorKind{{"status_500", 9}, {"connect", 5}, {"timeout", 5}}
	if rest != 1 || len(top) != len(want) {
		t.Fatalf("top %v rest %d", top, rest)
	}
	for i := range want {
		if top[i] != want[i] {
			t.Errorf("top[%d] = %v, want %v", i, top[i], want[i])
		}
	}
	if top, rest := topErrorKinds(nil, 3); len(top) != 0 || rest != 0 {
		t.Errorf("nil map: %v %d", top, rest)
	}
}
