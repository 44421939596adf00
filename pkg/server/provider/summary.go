package provider

import (
	"sync/atomic"
	"time"
)

// summaryEvery is how often the provider logs what happened to endpoints.
// Each endpoint's events are logged at debug: a simulator creates thousands,
// and a line each would bury everything else.
const summaryEvery = 10 * time.Second

// endpointCounts count endpoint events since the last summary.
type endpointCounts struct {
	created, activated, registered, deleted atomic.Int64
}

// logSummary logs the counts at info, if any is not zero, and resets them.
func (p *Provider) logSummary() {
	c := &p.counts
	created, activated, registered, deleted := c.created.Swap(0), c.activated.Swap(0), c.registered.Swap(0), c.deleted.Swap(0)
	if created+activated+registered+deleted == 0 {
		return
	}
	p.log.Info("endpoints", "created", created, "activated", activated, "auto_registered", registered, "deleted", deleted)
}

// startSummary logs a summary every p.summaryEvery until the returned
// function is called, which logs the last one.
func (p *Provider) startSummary() (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(p.summaryEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.logSummary()
			case <-quit:
				return
			}
		}
	}()
	return func() {
		close(quit)
		<-done
		p.logSummary()
	}
}
