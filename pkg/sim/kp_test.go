package sim

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestTimedLoop: however the loop ends (fire says so, end before the first
// fire, end while fire runs), done is called exactly once and fire no more.
func TestTimedLoop(t *testing.T) {
	t.Run("fire ends it", func(t *testing.T) {
		var fires, dones atomic.Int64
		doneCh := make(chan struct{})
		l := &timedLoop{done: func() { dones.Add(1); close(doneCh) }}
		l.start(0, func() (time.Duration, bool) { return 0, fires.Add(1) < 3 })
		<-doneCh
		l.end()
		if fires.Load() != 3 || dones.Load() != 1 {
			t.Errorf("fires %d dones %d, want 3 and 1", fires.Load(), dones.Load())
		}
	})
	t.Run("ended before the first fire", func(t *testing.T) {
		var fires, dones atomic.Int64
		l := &timedLoop{done: func() { dones.Add(1) }}
		l.start(time.Hour, func() (time.Duration, bool) { fires.Add(1); return 0, true })
		l.end()
		l.end()
		if fires.Load() != 0 || dones.Load() != 1 {
			t.Errorf("fires %d dones %d, want 0 and 1", fires.Load(), dones.Load())
		}
	})
	t.Run("ended while fire runs", func(t *testing.T) {
		var dones atomic.Int64
		in, release, doneCh := make(chan struct{}), make(chan struct{}), make(chan struct{})
		l := &timedLoop{done: func() { dones.Add(1); close(doneCh) }}
		l.start(0, func() (time.Duration, bool) {
			close(in)
			<-release
			return 0, true // would go on: end wins
		})
		<-in
		l.end()
		if dones.Load() != 0 {
			t.Fatal("done called while fire still runs")
		}
		close(release)
		<-doneCh
		if dones.Load() != 1 {
			t.Errorf("dones %d, want 1", dones.Load())
		}
	})
}
