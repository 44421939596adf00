package sim

import (
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
