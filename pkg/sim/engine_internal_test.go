package sim

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
)

// TestGate: with kp=3,upload=1 kp may run 3 operations ahead of an
// upload, no more; an upload lets it go on, and so does the upload
// endpoints' leaving.
func TestGate(t *testing.T) {
	if newGate(Mix{{ScenarioKP, 1}}) != nil || newGate(Mix{{ScenarioKP, 1}, {ScenarioUpload, 0}}) != nil {
		t.Error("a gate for one scenario")
	}
	g := newGate(Mix{{ScenarioKP, 3}, {ScenarioUpload, 1}})
	g.enter(ScenarioKP)
	g.enter(ScenarioUpload)
	for i := range 3 {
		if !g.acquire(ScenarioKP, nil, nil) {
			t.Fatalf("kp %d refused", i+1)
		}
	}
	waiting := func(s Scenario) func() bool {
		return func() bool {
			g.mu.Lock()
			defer g.mu.Unlock()
			return len(g.waiting[scenarioIndex(s)]) == 1
		}
	}
	started := make(chan bool, 1)
	go func() { started <- g.acquire(ScenarioKP, nil, nil) }()
	testenv.Eventually(t, 5*time.Second, "the 4th kp to wait", waiting(ScenarioKP))
	if !g.acquire(ScenarioUpload, nil, nil) { // the upload is behind: never waits
		t.Fatal("upload refused")
	}
	if !<-started {
		t.Fatal("the 4th kp did not start after the upload")
	}
	// kp is at 4 of 3 per upload: the next 2 may start, the 3rd waits for
	// the next upload, or for the upload endpoints to leave.
	g.acquire(ScenarioKP, nil, nil)
	g.acquire(ScenarioKP, nil, nil)
	go func() { started <- g.acquire(ScenarioKP, nil, nil) }()
	testenv.Eventually(t, 5*time.Second, "the 7th kp to wait", waiting(ScenarioKP))
	g.leave(ScenarioUpload)
	if !<-started {
		t.Fatal("kp still held back by a scenario that left")
	}
	// A waiter gives up when its run stops, and takes nothing.
	g.enter(ScenarioUpload)
	stop := make(chan struct{})
	go func() { started <- g.acquire(ScenarioKP, stop, nil) }()
	testenv.Eventually(t, 5*time.Second, "a kp to wait", waiting(ScenarioKP))
	close(stop)
	if <-started {
		t.Error("a stopped waiter started")
	}
	if g.started[scenarioIndex(ScenarioKP)] != 7 || len(g.waiting[scenarioIndex(ScenarioKP)]) != 0 {
		t.Errorf("kp started %d, %d waiting", g.started[scenarioIndex(ScenarioKP)], len(g.waiting[scenarioIndex(ScenarioKP)]))
	}
}

func TestCheckFiles(t *testing.T) {
	limits := func(soft, hard uint64) func() (uint64, uint64, error) {
		return func() (uint64, uint64, error) { return soft, hard, nil }
	}
	var set []uint64
	setter := func(soft, hard uint64) error { set = append(set, soft); return nil }
	if err := checkFiles(1000, limits(1024, 1024), setter); err != nil || len(set) != 0 {
		t.Errorf("enough: %v, set %v", err, set)
	}
	if err := checkFiles(5064, limits(1024, 1<<20), setter); err != nil || len(set) != 1 || set[0] != 5064 {
		t.Errorf("soft limit raised: %v, set %v", err, set)
	}
	err := checkFiles(5064, limits(1024, 4096), setter)
	if err == nil || err.Error() != "5,000 endpoints need about 5,064 open files and this process may open 1,024 (ulimit -n; hard limit 4,096): "+
		"raise the hard limit first (as root, in /etc/security/limits.conf, or LimitNOFILE= for a service), then ulimit -n 5064; or use fewer --endpoints" {
		t.Errorf("over the hard limit: %v", err)
	}
	refuse := func(soft, hard uint64) error { return errors.New("operation not permitted") }
	if err := checkFiles(2064, limits(1024, 4096), refuse); err == nil || err.Error() != "2,000 endpoints need about 2,064 open files and this process may open 1,024: run ulimit -n 2064 first, or use fewer --endpoints" {
		t.Errorf("soft limit not raised: %v", err)
	}
	if got := filesNeeded(Options{Endpoints: 100, Scenario: Mix{{ScenarioKP, 1}, {ScenarioUpload, 1}}}); got != 100+50+fdMargin {
		t.Errorf("files needed %d", got)
	}
}

// TestProvisionProgress: progress comes every 250ms while provisioning
// runs, and once more at the end with the final count.
func TestProvisionProgress(t *testing.T) {
	var (
		mu    sync.Mutex
		calls [][2]int
		done  atomic.Int64
	)
	stop := provisionProgress(func(d, total int) {
		mu.Lock()
		calls = append(calls, [2]int{d, total})
		mu.Unlock()
	}, 10, func() int { return int(done.Load()) })
	done.Store(3)
	testenv.Eventually(t, 5*time.Second, "a progress call", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(calls) > 0
	})
	done.Store(10)
	stop()
	mu.Lock()
	defer mu.Unlock()
	if last := calls[len(calls)-1]; last != [2]int{10, 10} {
		t.Errorf("calls %v, want the last to be 10 of 10", calls)
	}
}
