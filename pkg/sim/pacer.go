package sim

import (
	"math/rand/v2"
	"time"
)

// pacer waits between operations: at a fixed rate with a random first
// offset (so endpoints do not fire together), or not at all (closed loop).
type pacer struct {
	t *time.Ticker
}

func newPacer(rate float64, stop, lost <-chan struct{}) (*pacer, bool) {
	if rate <= 0 {
		return &pacer{}, true
	}
	period, offset := pace(rate)
	first := time.NewTimer(offset)
	defer first.Stop()
	select {
	case <-first.C:
	case <-stop:
		return nil, false
	case <-lost:
		return nil, false
	}
	return &pacer{t: time.NewTicker(period)}, true
}

// closed is a channel that is always ready.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// wait waits for the next tick (fixed rate), for done (closed loop with a
// reply to wait for) or not at all (done nil), and reports false once stop
// closes or the connection is lost.
func (p *pacer) wait(stop, lost, done <-chan struct{}) bool {
	var tick <-chan time.Time
	switch {
	case p.t != nil:
		tick, done = p.t.C, nil
	case done == nil:
		done = closed
	}
	select {
	case <-stop:
		return false
	case <-lost:
		return false
	default:
	}
	select {
	case <-tick:
		return true
	case <-done:
		return true
	case <-stop:
		return false
	case <-lost:
		return false
	}
}

func (p *pacer) close() {
	if p.t != nil {
		p.t.Stop()
	}
}

// pace is the period of an operation at rate per second and a random first
// offset within it, so that endpoints started together do not fire together.
func pace(rate float64) (period, first time.Duration) {
	period = time.Duration(float64(time.Second) / rate)
	return period, time.Duration(rand.Int64N(int64(period) + 1))
}
