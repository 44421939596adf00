package workpool

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestRunsConcurrently: a function that blocks does not hold up the next.
func TestRunsConcurrently(t *testing.T) {
	p := New(time.Minute)
	release := make(chan struct{})
	started := make(chan int, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		p.Go(func() {
			defer wg.Done()
			started <- i
			<-release
		})
	}
	for range 2 {
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("a function waited for another to end")
		}
	}
	close(release)
	wg.Wait()
}

// TestWorkersEnd: idle workers end after the idle time, and a worker that
// finished one function takes the next.
func TestWorkersEnd(t *testing.T) {
	before := runtime.NumGoroutine()
	p := New(50 * time.Millisecond)
	for i := range 100 {
		done := make(chan struct{})
		p.Go(func() { close(done) })
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("function %d did not run", i)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond) // polling a count under a deadline
	}
}
