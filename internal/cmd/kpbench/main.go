// Command kpbench drives 1/KP request/response load and prints throughput and
// latency percentiles. scripts/bench.sh runs it against KPC and against a
// baseline in the same run, so the two can be compared:
//
//   - load / responder: 1/KP over MQTT, against KPC or against a plain MQTT
//     broker on which mode responder answers every kp1/ request on
//     <topic>/status (the extension's job);
//   - http: 1/KP over HTTP (POST /kp1/<app>/<ext>/<token>/<resource>) against
//     KPC's HTTP listener;
//   - nats-load / nats-responder: a bare nats.go request/reply pair, the floor
//     of the HTTP path (which relays each request over NATS).
//
// Every mode runs closed loops: each slot sends a request, waits for its
// reply, records the latency and sends the next.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type config struct {
	addr       string
	mode       string
	clients    int
	inflight   int
	qos        int
	size       int
	duration   time.Duration
	warmup     time.Duration
	timeout    time.Duration
	app, ext   string
	subject    string
	label      string
	jsonOut    bool
	responders int
}

func main() {
	var c config
	flag.StringVar(&c.addr, "addr", "127.0.0.1:1883", "server address (host:port): the MQTT broker, KPC's HTTP listener or the NATS server")
	flag.StringVar(&c.mode, "mode", "load", "load (MQTT), responder (MQTT, answers kp1/ requests on <topic>/status), http, nats-load or nats-responder")
	flag.IntVar(&c.clients, "clients", 50, "concurrent clients (connections)")
	flag.IntVar(&c.inflight, "inflight", 1, "requests in flight per client, each slot a closed loop (mode load)")
	flag.IntVar(&c.qos, "qos", 1, "QoS of requests and replies (MQTT)")
	flag.IntVar(&c.size, "size", 256, "payload bytes")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "measured run length")
	flag.DurationVar(&c.warmup, "warmup", 2*time.Second, "unmeasured run before it")
	flag.DurationVar(&c.timeout, "timeout", 5*time.Second, "a request without a reply after this long is an error")
	flag.StringVar(&c.app, "app", "demo-v1", "application version in topics and paths (kaactl up --auto-register accepts any token in demo-v1)")
	flag.StringVar(&c.ext, "ext", "echo", "extension instance in topics and paths")
	flag.StringVar(&c.subject, "subject", "kpbench.kp", "NATS subject (nats-load, nats-responder)")
	flag.StringVar(&c.label, "label", "", "name printed with the result")
	flag.IntVar(&c.responders, "responders", 4, "responder connections sharing the subscription (responder, nats-responder)")
	flag.BoolVar(&c.jsonOut, "json", false, "print the result as JSON")
	flag.Parse()
	if c.clients < 1 || c.inflight < 1 || c.responders < 1 {
		fmt.Fprintln(os.Stderr, "kpbench: -clients, -inflight and -responders must be at least 1")
		os.Exit(2)
	}
	var err error
	switch c.mode {
	case "load":
		err = mqttLoad(c)
	case "responder":
		err = mqttRespond(c)
	case "http":
		err = httpLoad(c)
	case "nats-load":
		err = natsLoad(c)
	case "nats-responder":
		err = natsRespond(c)
	default:
		err = fmt.Errorf("unknown mode %q", c.mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kpbench:", err)
		os.Exit(1)
	}
}

// waitForSignal blocks until SIGINT or SIGTERM: responders run until the
// script stops them.
func waitForSignal() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
}

type result struct {
	Label      string  `json:"label"`
	Mode       string  `json:"mode"`
	Clients    int     `json:"clients"`
	Inflight   int     `json:"inflight"`
	QoS        int     `json:"qos"`
	Size       int     `json:"size"`
	Requests   int     `json:"requests"`
	Errors     int64   `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	RPS        float64 `json:"requests_per_sec"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	Maxms      float64 `json:"max_ms"`
}

// closedLoop runs slots goroutines, each calling do(slot, seq) in a loop for
// the warmup and the measured duration, and returns the latencies of the
// measured calls that succeeded.
func closedLoop(c config, slots int, do func(slot, seq int) error) result {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      atomic.Int64
		firstErr  atomic.Pointer[string]
		measuring atomic.Bool
		stop      atomic.Bool
		wg        sync.WaitGroup
	)
	for slot := range slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1<<14)
			for seq := 0; !stop.Load(); seq++ {
				start := time.Now()
				if err := do(slot, seq); err != nil {
					errs.Add(1)
					msg := err.Error()
					firstErr.CompareAndSwap(nil, &msg)
					continue
				}
				if measuring.Load() {
					local = append(local, time.Since(start))
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	time.Sleep(c.warmup)
	measuring.Store(true)
	errs.Store(0)
	began := time.Now()
	fmt.Fprintln(os.Stderr, "kpbench measuring") // bench.sh starts its CPU profile of the server here
	time.Sleep(c.duration)
	measuring.Store(false)
	elapsed := time.Since(began)
	stop.Store(true)
	wg.Wait()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	r := result{Label: c.label, Mode: c.mode, Clients: c.clients, Inflight: 1, QoS: c.qos, Size: c.size,
		Requests: len(latencies), Errors: errs.Load(),
		RPS: float64(len(latencies)) / elapsed.Seconds(), P50ms: pct(0.50), P99ms: pct(0.99), Maxms: pct(1)}
	if p := firstErr.Load(); p != nil {
		r.FirstError = *p
	}
	return r
}

func printResult(c config, r result) error {
	if c.jsonOut {
		return json.NewEncoder(os.Stdout).Encode(r)
	}
	fmt.Printf("%-22s %s qos=%d clients=%d×%d size=%dB  %10s req/s  p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms  errors %d\n",
		r.Label, r.Mode, r.QoS, r.Clients, r.Inflight, r.Size, strconv.FormatFloat(r.RPS, 'f', 0, 64), r.P50ms, r.P99ms, r.Maxms, r.Errors)
	if r.FirstError != "" {
		fmt.Println("  first error:", r.FirstError)
	}
	return nil
}
