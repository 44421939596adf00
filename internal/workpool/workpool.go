// Package workpool runs functions on reused goroutines. A goroutine that
// went deep once (a TLS or MQTT handshake, a store lookup and an Avro
// encoding) keeps its grown stack for the next function, where a new
// goroutine per call would start small, grow and copy its stack again:
// on a machine where page faults are dear, that was a large part of a
// connect (BENCHMARKS.md).
package workpool

import "time"

// Pool hands each function to an idle worker, or to a new one when none is
// idle, so a slow function never holds up another and the pool is as large
// as the calls in progress. A worker idle for the pool's idle time ends.
// Callers bound how many run at once, as they would bound goroutines.
type Pool struct {
	idle     chan func() // unbuffered: a send succeeds only to a waiting worker
	idleTime time.Duration
}

// New returns a pool whose workers end after idleTime without work.
func New(idleTime time.Duration) *Pool {
	return &Pool{idle: make(chan func()), idleTime: idleTime}
}

// Go runs fn on a worker.
func (p *Pool) Go(fn func()) {
	select {
	case p.idle <- fn:
	default:
		go p.work(fn)
	}
}

func (p *Pool) work(fn func()) {
	idle := time.NewTimer(p.idleTime)
	defer idle.Stop()
	for {
		fn()
		idle.Reset(p.idleTime)
		select {
		case fn = <-p.idle:
		case <-idle.C:
			return
		}
	}
}
