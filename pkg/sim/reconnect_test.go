package sim_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaactl/kaactl/pkg/server/kpc"
	"github.com/kaactl/kaactl/pkg/sim"
)

// TestReconnectAcrossKPCRestart: with Reconnect, endpoints that lose KPC
// connect again once it is back on the same address, and keep getting
// answers; the loss is counted.
func TestReconnectAcrossKPCRestart(t *testing.T) {
	natsURL := startBackend(t, true)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var current atomic.Pointer[kpc.Server]
	current.Store(startKPC(t, natsURL, addr, 2*time.Second))
	t.Cleanup(func() { shutdownKPC(t, current.Load()) })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var phase atomic.Int32 // 0: before the restart, 1: restarting, 2: back
	var okAtRestart atomic.Int64
	restarted := make(chan struct{})
	type result struct {
		rep sim.Report
		err error
	}
	ran := make(chan result, 1)
	go func() {
		rep, err := sim.Run(ctx, sim.Options{URL: "tcp://" + addr, Endpoints: 4, Rate: 50, Duration: time.Minute, Reconnect: true},
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
		ran <- result{rep, err}
	}()
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
