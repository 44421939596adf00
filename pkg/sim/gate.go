package sim

import (
	"slices"
	"sync"
)

// gate holds a Mix's weights in operations started: kp requests, uploads
// and reconnects. Endpoints are split by weight too, but each scenario runs
// at its own speed (an echo round trip is faster than an upload), so on its
// own the faster one would start far more than its share. An operation of
// scenario s may start while s is not ahead of any other running scenario:
// (started[s]+1)/weight[s] <= (started[o]+1)/weight[o]. The scenario
// furthest behind is always allowed, so the gate never stalls a run; a
// scenario whose endpoints have all stopped (connection lost, budget spent)
// no longer counts. With one scenario there is no gate.
type gate struct {
	mu      sync.Mutex
	weight  []float64
	started []int64
	active  []int             // endpoint loops of each scenario running
	waiting [][]chan struct{} // of each scenario, first come first served
}

// newGate returns the gate of m, or nil when m has one scenario only.
func newGate(m Mix) *gate {
	n := 0
	for _, p := range m {
		if p.Weight > 0 {
			n++
		}
	}
	if n < 2 {
		return nil
	}
	g := &gate{weight: make([]float64, len(scenarios)), started: make([]int64, len(scenarios)),
		active: make([]int, len(scenarios)), waiting: make([][]chan struct{}, len(scenarios))}
	for _, p := range m {
		g.weight[scenarioIndex(p.Scenario)] = float64(p.Weight)
	}
	return g
}

func scenarioIndex(s Scenario) int { return slices.Index(scenarios, s) }

// allowed reports whether an operation of s may start now.
func (g *gate) allowed(s int) bool {
	next := float64(g.started[s]+1) / g.weight[s]
	for o := range g.weight {
		if o != s && g.active[o] > 0 && g.weight[o] > 0 && next > float64(g.started[o]+1)/g.weight[o] {
			return false
		}
	}
	return true
}

// wake lets the first waiter of each scenario that may start now try again;
// when it starts, it wakes the next.
func (g *gate) wake() {
	for s, w := range g.waiting {
		if len(w) > 0 && g.allowed(s) {
			close(w[0])
			g.waiting[s] = w[1:]
		}
	}
}

// acquire waits until an operation of scenario sc may start and counts it
// started; it returns false, starting nothing, once stop or lost closes.
// A nil gate allows everything.
func (g *gate) acquire(sc Scenario, stop, lost <-chan struct{}) bool {
	if g == nil {
		return true
	}
	s := scenarioIndex(sc)
	g.mu.Lock()
	for !g.allowed(s) {
		ch := make(chan struct{})
		g.waiting[s] = append(g.waiting[s], ch)
		g.mu.Unlock()
		select {
		case <-ch:
		case <-stop:
			g.giveUp(s, ch)
			return false
		case <-lost:
			g.giveUp(s, ch)
			return false
		}
		g.mu.Lock()
	}
	g.started[s]++
	g.wake()
	g.mu.Unlock()
	return true
}

// giveUp removes a waiter that stops waiting; if it had been woken already,
// the wake goes to the next one.
func (g *gate) giveUp(s int, ch chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if i := slices.Index(g.waiting[s], ch); i >= 0 {
		g.waiting[s] = slices.Delete(g.waiting[s], i, i+1)
		return
	}
	g.wake()
}

// enter and leave count the endpoint loops of a scenario that run: only
// those hold the others back.
func (g *gate) enter(sc Scenario) {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.active[scenarioIndex(sc)]++
	g.mu.Unlock()
}

func (g *gate) leave(sc Scenario) {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.active[scenarioIndex(sc)]--
	g.wake()
	g.mu.Unlock()
}
