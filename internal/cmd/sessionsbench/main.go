// Command sessionsbench measures `kaactl sessions ls`: the time to gather N
// sessions from two KPC replicas (`kaactl serve kpc` processes, so that the
// clients' and servers' sockets do not share one file limit) on an embedded
// NATS, through admin.SessionsClient as the command does. Clients are raw
// MQTT CONNECTs (a session each, no paho), so they cost next to nothing.
// Used by scripts/bench.sh sessions; prints one JSON line.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"slices"
	"time"

	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/server/embednats"
)

func main() {
	sessions := flag.Int("sessions", 10000, "sessions in all, split over the two replicas")
	runs := flag.Int("runs", 20, "gathers to time")
	bin := flag.String("kaactl", "kaactl", "the kaactl binary that runs the replicas")
	flag.Parse()
	if err := run(*bin, *sessions, *runs); err != nil {
		log.Fatal(err)
	}
}

func run(bin string, n, runs int) error {
	ns, err := embednats.Start("127.0.0.1:0", "") // no token: a benchmark on loopback
	if err != nil {
		return err
	}
	defer ns.Shutdown()
	var addrs []string
	for _, id := range []string{"r1", "r2"} {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		cmd := exec.Command(bin, "serve", "kpc", "--nats", ns.ClientURL(), "--replica-id", id, "--mqtt-addr", addr, "--http-addr", "", "--rest-addr", "", "--log-level", "warn")
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
		if err := waitListening(addr); err != nil {
			return err
		}
		addrs = append(addrs, addr)
	}
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range n {
		c, err := connect(addrs[i%2], fmt.Sprintf("bench-%05d", i))
		if err != nil {
			return fmt.Errorf("client %d: %w", i, err)
		}
		conns = append(conns, c)
	}
	nc, err := admin.DialNATS(ns.ClientURL(), "")
	if err != nil {
		return err
	}
	defer nc.Close()
	client := &admin.SessionsClient{NC: nc, Timeout: 5 * time.Second}
	ctx := context.Background()
	var took []time.Duration
	for i := 0; i < runs+1; i++ {
		start := time.Now()
		g, err := client.List(ctx, api.SessionFilter{}, 0)
		if err != nil {
			return err
		}
		if len(g.Sessions) != n || len(g.Replicas) != 2 || len(g.Missing) != 0 {
			return fmt.Errorf("gathered %d sessions from %v (missing %v), want %d from 2", len(g.Sessions), g.Replicas, g.Missing, n)
		}
		if i > 0 { // the first one warms up
			took = append(took, time.Since(start))
		}
	}
	slices.Sort(took)
	// The whole command too: process start, dial, gather, JSON to a pipe.
	var cli []time.Duration
	for range 5 {
		start := time.Now()
		out, err := exec.Command(bin, "sessions", "ls", "-o", "json", "--nats", ns.ClientURL(), "--data-dir", os.TempDir()).Output()
		if err != nil {
			return fmt.Errorf("kaactl sessions ls: %w", err)
		}
		cli = append(cli, time.Since(start))
		var g admin.Gathered
		if err := json.Unmarshal(out, &g); err != nil || len(g.Sessions) != n {
			return fmt.Errorf("kaactl sessions ls printed %d sessions (%v)", len(g.Sessions), err)
		}
	}
	slices.Sort(cli)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"sessions": n, "replicas": 2, "runs": runs,
		"p50_ms": ms(took[len(took)/2]), "p90_ms": ms(took[len(took)*9/10]), "max_ms": ms(took[len(took)-1]),
		"command_p50_ms": ms(cli[len(cli)/2]),
	})
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitListening polls addr until it accepts, for 10 s.
func waitListening(addr string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("replica at %s: %w", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// connect opens an MQTT 3.1.1 session: CONNECT, then CONNACK.
func connect(addr, clientID string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	body := append([]byte{0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 120}, byte(len(clientID)>>8), byte(len(clientID)))
	body = append(body, clientID...)
	pkt := append([]byte{0x10, byte(len(body))}, body...)
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(pkt); err != nil {
		c.Close()
		return nil, err
	}
	ack := make([]byte, 4)
	if _, err := bufio.NewReader(c).Read(ack); err != nil || ack[0] != 0x20 || ack[3] != 0 {
		c.Close()
		return nil, fmt.Errorf("no CONNACK: % x, %v", ack, err)
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}
