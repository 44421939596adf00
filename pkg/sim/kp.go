package sim

import (
	"sync"
	"time"
)

// sendLoad sends one kp-scenario request; the run accounts for its outcome.
func (e *endpoint) sendLoad() bool {
	if !e.r.take() {
		return false
	}
	id, c, ok := e.start(nil)
	if !ok {
		e.r.budget.Add(1) // give it back: it was never sent
		return false
	}
	e.r.sent.Add(1)
	payload := e.payload
	if payload == nil {
		payload = e.r.payload.render(e.i, e.token, id, time.Now())
	}
	c.send(e.r.o.Extension, e.r.o.Resource, id, payload)
	return true
}

// kpLoop sends requests until stop closes, the budget is spent or the
// connection is lost. Closed loop: the next request when a reply arrives.
func (e *endpoint) kpLoop(stop <-chan struct{}) {
	select { // a signal left from before a reconnect would double the load
	case <-e.done:
	default:
	}
	lost := e.lostChan()
	p, ok := newPacer(e.r.o.Rate, stop, lost)
	if !ok {
		return
	}
	defer p.close()
	for {
		if !e.r.gate.acquire(ScenarioKP, stop, lost) || !e.sendLoad() {
			return
		}
		if !p.wait(stop, lost, e.done) {
			return
		}
	}
}

// timedKP reports whether kp endpoints run as timed loops: at a fixed rate,
// in a run of kp alone (no gate to wait at) that does not reconnect.
func (r *run) timedKP() bool { return r.o.Rate > 0 && r.gate == nil && !r.o.Reconnect }

// kpTimed is kpLoop at a fixed rate without a goroutine: a timer waits
// between requests, where a goroutine and its ticker per endpoint would be a
// tenth of what an endpoint of a large, slow fleet costs. The loop ends,
// calling done once, when it finds stop closed, the connection lost or the
// budget spent; the caller ends it at once when stop closes, and lose does
// when the connection is lost.
func (e *endpoint) kpTimed(stop <-chan struct{}, done func()) *timedLoop {
	period, first := pace(e.r.o.Rate)
	lost := e.lostChan()
	next := time.Now().Add(first)
	l := &timedLoop{done: done}
	l.start(first, func() (time.Duration, bool) {
		select {
		case <-stop:
			return 0, false
		case <-lost:
			return 0, false
		default:
		}
		if !e.sendLoad() {
			return 0, false
		}
		next = next.Add(period) // on the rate's schedule, however late this one was
		return max(time.Until(next), 0), true
	})
	// Under e.mu, so that lose either sees l and ends it or has set lost,
	// which this sees: lose closes the lost channel only after unlocking.
	e.mu.Lock()
	e.timed = l
	gone := e.lost
	e.mu.Unlock()
	if gone {
		l.end()
	}
	return l
}

// timedLoop runs fire on a timer until fire says stop or end is called,
// then calls done, once.
type timedLoop struct {
	done func()

	mu     sync.Mutex
	t      *time.Timer
	firing bool // fire runs: it calls done if the loop ends meanwhile
	ended  bool
}

// start runs fire after d, and again after the delay it returns while it
// returns true. fire runs one call at a time.
func (l *timedLoop) start(d time.Duration, fire func() (time.Duration, bool)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t = time.AfterFunc(d, func() {
		l.mu.Lock()
		if l.ended {
			l.mu.Unlock()
			return // end called done
		}
		l.firing = true
		l.mu.Unlock()
		again, ok := fire()
		l.mu.Lock()
		l.firing = false
		ended := l.ended || !ok
		if ended {
			l.ended = true
		} else {
			l.t.Reset(again)
		}
		l.mu.Unlock()
		if ended {
			l.done()
		}
	})
}

// end stops the loop; done is called now, or by the fire in progress.
func (l *timedLoop) end() {
	l.mu.Lock()
	if l.ended {
		l.mu.Unlock()
		return
	}
	l.ended = true
	l.t.Stop()
	firing := l.firing
	l.mu.Unlock()
	if !firing {
		l.done()
	}
}
