package sim_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/server/kpc"
	"github.com/kaactl/kaactl/pkg/sim"
)

// TestReconnectAcrossKPCRestart: with Reconnect, endpoints that lose KPC
// connect again once it is back on the same address, and keep getting
// answers; the loss is counted.
func TestReconnectAcrossKPCRestart(t *testing.T) {
	natsURL := startBackend(t, true)
	addr := testenv.FreeAddr(t)
	var current atomic.Pointer[kpc.Server]
	current.Store(startKPC(t, natsURL, addr, 2*time.Second))
	t.Cleanup(func() { shutdownKPC(t, current.Load()) })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var phase atomic.Int32 // 0: before the restart, 1: restarting, 2: back
	var okAtRestart atomic.Int64
	restarted := make(chan struct{})
	ran := runAsync(ctx, sim.Options{URL: "tcp://" + addr, Endpoints: 4, Rate: 50, Duration: time.Minute, Reconnect: true},
		func(s sim.Snapshot) {
			switch {
			case phase.Load() == 0 && s.OK >= 40:
				phase.Store(1)
				okAtRestart.Store(s.OK)
				close(restarted)
			case phase.Load() == 2 && s.Connected == 4 && s.OK >= okAtRestart.Load()+100:
				cancel() // answers flow again after the restart
			}
		})
	select {
	case <-restarted: // restart KPC on the same address, from the test goroutine
		shutdownKPC(t, current.Load())
		current.Store(startKPC(t, natsURL, addr, 2*time.Second))
		phase.Store(2)
	case res := <-ran:
		t.Fatalf("run ended before the restart: %+v, %v", res.rep, res.err)
	}
	res := <-ran
	rep, err := res.rep, res.err
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted {
		t.Fatalf("the run never got answers after the restart: %+v", rep)
	}
	if rep.Errors["disconnected"] < 4 || rep.Connects < 8 {
		t.Errorf("disconnected %d connects %d: want every endpoint lost once and connected again", rep.Errors["disconnected"], rep.Connects)
	}
}

// TestBudgetRunEndsWithoutSpenders: a budget run (no duration) whose kp
// endpoints lose KPC ends, although its connect endpoints could churn on.
func TestBudgetRunEndsWithoutSpenders(t *testing.T) {
	natsURL := startBackend(t, true)
	k := startKPC(t, natsURL, "127.0.0.1:0", 2*time.Second)
	res := runThenStopKPC(t, k, sim.Options{URL: "tcp://" + k.MQTTAddr(), Endpoints: 4, Rate: 20, Requests: 1_000_000,
		Scenario: sim.Mix{{Scenario: sim.ScenarioKP, Weight: 1}, {Scenario: sim.ScenarioConnect, Weight: 1}}, Hold: 50 * time.Millisecond},
		10, 20*time.Second)
	if res.err != nil || res.rep.Interrupted || res.rep.Errors["disconnected"] < 2 {
		t.Errorf("report %+v, err %v", res.rep, res.err)
	}
}

// runThenStopKPC runs the simulation, stops KPC once ok requests were
// answered, and returns the run's result, which must come within the given
// time of losing KPC: a budget run whose endpoints are gone must not go on.
func runThenStopKPC(t *testing.T, k *kpc.Server, o sim.Options, ok int64, within time.Duration) runResult {
	t.Helper()
	stopped := make(chan struct{})
	var once atomic.Bool
	ran := runAsync(context.Background(), o, func(s sim.Snapshot) {
		if s.OK >= ok && once.CompareAndSwap(false, true) {
			close(stopped)
		}
	})
	select {
	case <-stopped:
		shutdownKPC(t, k)
	case res := <-ran:
		t.Fatalf("run ended early: %+v, %v", res.rep, res.err)
	}
	select {
	case res := <-ran:
		return res
	case <-time.After(within):
		t.Fatalf("run still going %s after its endpoints lost KPC", within)
		return runResult{}
	}
}

type runResult struct {
	rep sim.Report
	err error
}

// runAsync runs the simulation on its own goroutine, so that the test
// goroutine can act on the platform meanwhile.
func runAsync(ctx context.Context, o sim.Options, progress func(sim.Snapshot)) <-chan runResult {
	ran := make(chan runResult, 1)
	go func() {
		rep, err := sim.Run(ctx, o, progress)
		ran <- runResult{rep, err}
	}()
	return ran
}

// TestSlowFleetEndsOnLoss: kp endpoints at a slow fixed rate (timed loops,
// no goroutine waiting between requests) end as soon as KPC goes away, not
// at their next request 20s later, so a budget run ends.
func TestSlowFleetEndsOnLoss(t *testing.T) {
	natsURL := startBackend(t, true)
	k := startKPC(t, natsURL, "127.0.0.1:0", 2*time.Second)
	res := runThenStopKPC(t, k, sim.Options{URL: "tcp://" + k.MQTTAddr(), Endpoints: 50, Rate: 0.05, Requests: 1_000_000}, 2, 15*time.Second)
	if res.err != nil || res.rep.Interrupted || res.rep.Lost != 50 {
		t.Errorf("report %+v, err %v", res.rep, res.err)
	}
}
