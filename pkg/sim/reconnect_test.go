package sim_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/server/echo"
	"github.com/kaactl/kaactl/pkg/server/kpc"
	"github.com/kaactl/kaactl/pkg/server/tokenprovider"
	"github.com/kaactl/kaactl/pkg/sim"
)

// TestReconnectAcrossKPCRestart: with Reconnect, endpoints that lose KPC
// connect again once it is back on the same address, and keep getting
// answers; the loss is counted.
func TestReconnectAcrossKPCRestart(t *testing.T) {
	ns := testenv.NATS(t)
	nc := testenv.Conn(t, ns.ClientURL())
	ext, err := echo.New(echo.Options{Instance: "echo"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Start(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	prov, err := tokenprovider.New(tokenprovider.Options{AutoRegister: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := prov.Start(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	startKPC := func() *kpc.Server {
		opts := kpc.DefaultOptions()
		opts.NATSURL, opts.MQTTAddr, opts.HTTPAddr, opts.RESTAddr = ns.ClientURL(), addr, "127.0.0.1:0", "127.0.0.1:0"
		k, err := kpc.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, 5*time.Second, "kpc ready", k.Ready)
		return k
	}
	var current atomic.Pointer[kpc.Server]
	current.Store(startKPC())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if k := current.Load(); k != nil {
			_ = k.Shutdown(ctx)
		}
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var phase atomic.Int32 // 0: before the restart, 1: restarting, 2: back
	var okAtRestart atomic.Int64
	restarted := make(chan struct{})
	go func() {
		<-restarted
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = current.Load().Shutdown(sctx)
		scancel()
		current.Store(startKPC())
		phase.Store(2)
	}()
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
