//go:build linux

// Command connbench measures MQTT connects per second and the server's
// resident memory per idle session: it opens -clients connections with a
// bounded number of CONNECTs in flight (optionally with user names and
// passwords), keeps them all open and idle, reads the server's RSS, and
// closes them. scripts/bench.sh connect runs it against KPC and mosquitto
// in the same run; it reads the server's figures from /proc, so it is
// Linux-only. It speaks MQTT 3.1.1 over plain sockets, so that the
// load generator costs little next to the servers it measures.
//
// With -requests N each client first makes N 1/KP requests with its own
// token (kp1/<app>/<ext>/tok-<n>/ping/<id>, QoS 1) and waits for each reply
// before it goes idle: the memory of a session that resolved a token and
// made requests (bench.sh mem). With -hold it keeps the connections until
// SIGINT or SIGTERM, printing the result and "connbench ready" on stderr
// once all are connected (bench.sh idle, mem).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kaactl/kaactl/pkg/admin"
)

type config struct {
	addr, label       string
	clients, inFlight int
	user, password    string
	pid               int
	settle            time.Duration
	providerURL       string // provision the basic credentials there first
	tokenFile         string
	requests          int
	app, ext          string
	hold              bool
}

type result struct {
	Label          string  `json:"label"`
	Clients        int     `json:"clients"`
	Connected      int64   `json:"connected"`
	Failures       int64   `json:"failures"`
	FirstError     string  `json:"first_error,omitempty"`
	Seconds        float64 `json:"seconds"`
	ConnectsPerSec float64 `json:"connects_per_sec"`
	RSSBeforeKiB   int64   `json:"rss_before_kib"`
	RSSAfterKiB    int64   `json:"rss_after_kib"`
	Requests       int     `json:"requests_per_client"`
	KiBPerSession  float64 `json:"kib_per_session"`
	// CPU and page faults of the server (-pid) and of connbench itself per
	// connect, over the connecting phase: on a machine the two share, the
	// server's CPU per connect is steadier than connects/s.
	ServerCPUPerConnectUS  float64 `json:"server_cpu_us_per_connect"`
	ServerFaultsPerConnect float64 `json:"server_faults_per_connect"`
	ClientCPUPerConnectUS  float64 `json:"client_cpu_us_per_connect"`
}

func main() {
	var c config
	flag.StringVar(&c.addr, "addr", "127.0.0.1:1883", "MQTT/TCP address")
	flag.StringVar(&c.label, "label", "", "name printed with the result")
	flag.IntVar(&c.clients, "clients", 10000, "connections to open and hold")
	flag.IntVar(&c.inFlight, "in-flight", 64, "CONNECTs waiting for their CONNACK at once")
	flag.StringVar(&c.user, "user", "", `user name of client n ("%d" is n); none: anonymous`)
	flag.StringVar(&c.password, "password", "", `password of client n ("%d" is n)`)
	flag.IntVar(&c.pid, "pid", 0, "server process whose resident memory to read (0: none)")
	flag.DurationVar(&c.settle, "settle", 2*time.Second, "wait after the last CONNACK before reading the server's memory")
	flag.StringVar(&c.providerURL, "provision", "", "create the -user/-password credentials (user@tenant) in the provider at this URL first, then exit")
	flag.StringVar(&c.tokenFile, "token-file", "", "the provider's admin token file (-provision)")
	flag.IntVar(&c.requests, "requests", 0, "1/KP requests each client makes (QoS 1, token tok-<n>, waiting for each reply) before going idle")
	flag.StringVar(&c.app, "app", "demo-v1", "application version of the requests")
	flag.StringVar(&c.ext, "ext", "echo", "extension instance of the requests")
	flag.BoolVar(&c.hold, "hold", false, `keep the connections open until SIGINT or SIGTERM; print the result and "connbench ready" (stderr) when all are connected`)
	flag.Parse()
	if c.providerURL != "" {
		if err := provision(c); err != nil {
			fmt.Fprintln(os.Stderr, "connbench:", err)
			os.Exit(1)
		}
		return
	}
	r, conns, err := run(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connbench:", err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(r)
	if c.hold {
		fmt.Fprintln(os.Stderr, "connbench ready")
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
	}
	for _, conn := range conns {
		if conn != nil {
			_ = conn.Close()
		}
	}
}

// run opens the connections and measures; it returns them open.
func run(c config) (result, []net.Conn, error) {
	r := result{Label: c.label, Clients: c.clients, Requests: c.requests}
	var err error
	if r.RSSBeforeKiB, err = rss(c.pid); err != nil {
		return r, nil, err
	}
	srv0, err := procStat(c.pid)
	if err != nil {
		return r, nil, err
	}
	self0 := selfCPU()
	conns := make([]net.Conn, c.clients)
	var (
		next, connected, failed atomic.Int64
		firstErr                sync.Once
		wg                      sync.WaitGroup
	)
	start := time.Now()
	for range c.inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < c.clients; i = int(next.Add(1) - 1) {
				conn, err := dial(c, i)
				if err != nil {
					failed.Add(1)
					firstErr.Do(func() { r.FirstError = err.Error() })
					continue
				}
				conns[i] = conn
				connected.Add(1)
			}
		}()
	}
	wg.Wait()
	r.Seconds = time.Since(start).Seconds()
	r.Connected, r.Failures = connected.Load(), failed.Load()
	r.ConnectsPerSec = float64(r.Connected) / r.Seconds
	srv1, err := procStat(c.pid)
	if err != nil {
		return r, nil, err
	}
	if n := float64(r.Connected + r.Failures); n > 0 {
		r.ServerCPUPerConnectUS = (srv1.cpu - srv0.cpu).Seconds() * 1e6 / n
		r.ServerFaultsPerConnect = float64(srv1.faults-srv0.faults) / n
		r.ClientCPUPerConnectUS = (selfCPU() - self0).Seconds() * 1e6 / n
	}
	time.Sleep(c.settle) // the server finishes its own work on the last connections
	if r.RSSAfterKiB, err = rss(c.pid); err != nil {
		return r, conns, err
	}
	if r.Connected > 0 && c.pid != 0 {
		r.KiBPerSession = float64(r.RSSAfterKiB-r.RSSBeforeKiB) / float64(r.Connected)
	}
	return r, conns, nil
}

// provision creates the basic credentials of every client.
func provision(c config) error {
	tok, err := os.ReadFile(c.tokenFile)
	if err != nil {
		return err
	}
	pc := &admin.ProviderClient{REST: admin.REST{BaseURL: c.providerURL, Token: strings.TrimSpace(string(tok))}}
	var (
		next atomic.Int64
		errs = make(chan error, 16)
		wg   sync.WaitGroup
	)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < c.clients; i = int(next.Add(1) - 1) {
				n := strconv.Itoa(i)
				user, tenant, _ := strings.Cut(strings.ReplaceAll(c.user, "%d", n), "@")
				_, err := pc.CreateBasic(context.Background(), tenant, user, strings.ReplaceAll(c.password, "%d", n))
				if err != nil && !errors.Is(err, admin.ErrExists) {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// dial opens connection i and waits for an accepting CONNACK.
func dial(c config, i int) (net.Conn, error) {
	conn, err := net.DialTimeout("tcp", c.addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	n := strconv.Itoa(i)
	pk := connectPacket("connbench-"+n, strings.ReplaceAll(c.user, "%d", n), strings.ReplaceAll(c.password, "%d", n))
	if _, err := conn.Write(pk); err != nil {
		conn.Close()
		return nil, err
	}
	ack := make([]byte, 4)
	if _, err := io.ReadFull(conn, ack); err != nil {
		conn.Close()
		return nil, fmt.Errorf("no CONNACK: %w", err)
	}
	if ack[0] != 0x20 || ack[3] != 0 {
		conn.Close()
		return nil, fmt.Errorf("CONNACK %#x return code %d", ack[0], ack[3])
	}
	if c.requests > 0 {
		if err := request(conn, c, i); err != nil {
			conn.Close()
			return nil, err
		}
	}
	_ = conn.SetDeadline(time.Time{})
	return conn, nil
}

// connectPacket is an MQTT 3.1.1 CONNECT with clean session and a 10 min
// keepalive, with user name and password when user is not empty.
func connectPacket(clientID, user, password string) []byte {
	str := func(b []byte, s string) []byte { return append(append(b, byte(len(s)>>8), byte(len(s))), s...) }
	flags := byte(0x02)
	var body []byte
	body = str(body, "MQTT")
	body = append(body, 4, 0, 0x02, 0x58) // level 4; flags later; keepalive 600 s
	body = str(body, clientID)
	if user != "" {
		flags |= 0x80 | 0x40
		body = str(body, user)
		body = str(body, password)
	}
	body[7] = flags
	pk := []byte{0x10}
	for n := len(body); ; { // remaining length, 7 bits a byte
		b := byte(n & 0x7f)
		if n >>= 7; n > 0 {
			b |= 0x80
		}
		pk = append(pk, b)
		if n == 0 {
			break
		}
	}
	return append(pk, body...)
}

// stat is a process's CPU time (user and system) and minor page faults.
type stat struct {
	cpu    time.Duration
	faults int64
}

// procStat reads pid's stat from /proc (zero for pid 0).
func procStat(pid int) (stat, error) {
	if pid == 0 {
		return stat{}, nil
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, err
	}
	// The command name (field 2) may hold spaces; the fields after it do not.
	i := strings.LastIndexByte(string(data), ')')
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return stat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	// Fields 10, 14 and 15 of proc(5): minflt, utime, stime (in clock ticks,
	// 100 a second on Linux).
	minflt, _ := strconv.ParseInt(f[7], 10, 64)
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return stat{cpu: time.Duration(utime+stime) * 10 * time.Millisecond, faults: minflt}, nil
}

// selfCPU is connbench's own CPU time, user and system.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rss is the resident memory of pid in KiB (0 for pid 0).
func rss(pid int) (int64, error) {
	if pid == 0 {
		return 0, nil
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
}
