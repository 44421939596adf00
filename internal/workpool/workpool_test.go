package workpool

import (
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

// TestWorkerEnds: a worker runs what it is handed while busy or idle, and
// ends once it has been idle for the pool's idle time.
func TestWorkerEnds(t *testing.T) {
	p := New(50 * time.Millisecond)
	ran := make(chan int, 100)
	ended := make(chan struct{})
	go func() {
		p.work(func() { ran <- 0 })
		close(ended)
	}()
	for i := 1; i < 100; i++ {
		p.Go(func() { ran <- i }) // to the worker when it waits, else to a new one
	}
	for range 100 {
		select {
		case <-ran:
		case <-time.After(10 * time.Second):
			t.Fatal("a function did not run")
		}
	}
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("an idle worker did not end")
	}
}
