package sim

import (
	"context"
	"math/rand/v2"
	"time"
)

// connectLoop holds the connection for Hold, closes it and connects again,
// until stop closes (or a request budget of the other scenarios is spent).
func (e *endpoint) connectLoop(ctx context.Context, stop <-chan struct{}) {
	r := e.r
	// Spread the first churn over one hold period.
	wait := time.Duration(rand.Int64N(int64(r.o.Hold) + 1))
	for {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-stop:
			t.Stop()
			return
		}
		wait = r.o.Hold
		if r.o.Requests > 0 && r.budget.Load() <= 0 {
			return
		}
		if !r.gate.acquire(ScenarioConnect, stop, nil) {
			return
		}
		e.disconnect()
		e.connect(ctx)
	}
}
