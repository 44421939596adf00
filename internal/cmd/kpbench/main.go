// Command kpbench drives 1/KP request/response load over MQTT and prints
// throughput and latency percentiles; scripts/bench.sh runs it against KPC and
// against a plain MQTT broker with a responder (mode "responder"), in the same
// run, so the two can be compared.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

type config struct {
	addr       string
	mode       string
	clients    int
	qos        int
	size       int
	duration   time.Duration
	warmup     time.Duration
	app, ext   string
	label      string
	jsonOut    bool
	responders int
}

func main() {
	var c config
	flag.StringVar(&c.addr, "addr", "127.0.0.1:1883", "MQTT broker address")
	flag.StringVar(&c.mode, "mode", "load", "load: send requests and time replies; responder: answer every kp1/ request on <topic>/status (for a plain broker)")
	flag.IntVar(&c.clients, "clients", 50, "concurrent clients, one request in flight each")
	flag.IntVar(&c.qos, "qos", 1, "QoS of requests and replies")
	flag.IntVar(&c.size, "size", 256, "payload bytes")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "measured run length")
	flag.DurationVar(&c.warmup, "warmup", 2*time.Second, "unmeasured run before it")
	flag.StringVar(&c.app, "app", "demo-v1", "application version in topics (kaactl up --auto-register accepts any token in demo-v1)")
	flag.StringVar(&c.ext, "ext", "echo", "extension instance in topics")
	flag.StringVar(&c.label, "label", "", "name printed with the result")
	flag.IntVar(&c.responders, "responders", 4, "responder clients sharing the kp1/# subscription (mode responder)")
	flag.BoolVar(&c.jsonOut, "json", false, "print the result as JSON")
	flag.Parse()
	var err error
	switch c.mode {
	case "load":
		err = load(c)
	case "responder":
		err = respond(c)
	default:
		err = fmt.Errorf("unknown mode %q", c.mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kpbench:", err)
		os.Exit(1)
	}
}

func connect(addr, id string, handler paho.MessageHandler) (paho.Client, error) {
	opts := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(id).
		SetAutoReconnect(false).SetOrderMatters(false).SetCleanSession(true).
		SetMaxResumePubInFlight(0).SetDefaultPublishHandler(handler).SetWriteTimeout(10 * time.Second)
	cl := paho.NewClient(opts)
	tok := cl.Connect()
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		return nil, fmt.Errorf("connect %s: %v", addr, tok.Error())
	}
	return cl, nil
}

// respond answers every request the way an extension would, through the
// broker: several clients share one subscription so the responder is not the
// baseline's bottleneck.
func respond(c config) error {
	var n atomic.Int64
	clients := make([]paho.Client, c.responders)
	for i := range clients {
		var cl paho.Client
		handler := func(_ paho.Client, m paho.Message) {
			if strings.HasSuffix(m.Topic(), "/status") || strings.HasSuffix(m.Topic(), "/error") {
				return
			}
			n.Add(1)
			cl.Publish(m.Topic()+"/status", m.Qos(), false, m.Payload())
		}
		var err error
		if cl, err = connect(c.addr, fmt.Sprintf("kpbench-responder-%d", i), handler); err != nil {
			return err
		}
		filter := "kp1/#"
		if c.responders > 1 {
			filter = "$share/kpbench/kp1/#"
		}
		if tok := cl.Subscribe(filter, byte(c.qos), handler); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			return fmt.Errorf("subscribe: %v", tok.Error())
		}
		clients[i] = cl
	}
	fmt.Fprintln(os.Stderr, "kpbench responder ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	for _, cl := range clients {
		cl.Disconnect(100)
	}
	fmt.Fprintf(os.Stderr, "kpbench responder answered %d\n", n.Load())
	return nil
}

type result struct {
	Label    string  `json:"label"`
	Clients  int     `json:"clients"`
	QoS      int     `json:"qos"`
	Size     int     `json:"size"`
	Requests int     `json:"requests"`
	Errors   int64   `json:"errors"`
	RPS      float64 `json:"requests_per_sec"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	Maxms    float64 `json:"max_ms"`
}

// load runs clients in a closed loop: each sends a request, waits for its
// reply, records the latency and sends the next.
func load(c config) error {
	payload := []byte(strings.Repeat("x", c.size))
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      atomic.Int64
		measuring atomic.Bool
		stop      atomic.Bool
		wg        sync.WaitGroup
	)
	type clientState struct {
		cl    paho.Client
		reply chan string
	}
	states := make([]*clientState, c.clients)
	for i := range states {
		st := &clientState{reply: make(chan string, 4)}
		handler := func(_ paho.Client, m paho.Message) {
			select {
			case st.reply <- m.Topic():
			default:
			}
		}
		cl, err := connect(c.addr, fmt.Sprintf("kpbench-%d-%d", os.Getpid(), i), handler)
		if err != nil {
			return err
		}
		// A plain broker needs the subscription; KPC writes replies directly.
		filter := fmt.Sprintf("kp1/%s/%s/tok-%d/ping/+/+", c.app, c.ext, i)
		if tok := cl.Subscribe(filter, byte(c.qos), handler); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			return fmt.Errorf("subscribe: %v", tok.Error())
		}
		st.cl = cl
		states[i] = st
	}
	for i, st := range states {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1<<16)
			for id := 1; !stop.Load(); id++ {
				topic := fmt.Sprintf("kp1/%s/%s/tok-%d/ping/%d", c.app, c.ext, i, id)
				want := topic + "/status"
				start := time.Now()
				st.cl.Publish(topic, byte(c.qos), false, payload)
				select {
				case got := <-st.reply:
					if got != want {
						errs.Add(1)
						continue
					}
				case <-time.After(5 * time.Second):
					errs.Add(1)
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
	time.Sleep(c.duration)
	measuring.Store(false)
	elapsed := time.Since(began)
	stop.Store(true)
	wg.Wait()
	for _, st := range states {
		st.cl.Disconnect(50)
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	r := result{Label: c.label, Clients: c.clients, QoS: c.qos, Size: c.size, Requests: len(latencies), Errors: errs.Load(),
		RPS: float64(len(latencies)) / elapsed.Seconds(), P50ms: pct(0.50), P99ms: pct(0.99), Maxms: pct(1)}
	if c.jsonOut {
		return json.NewEncoder(os.Stdout).Encode(r)
	}
	fmt.Printf("%-22s qos=%d clients=%d size=%dB  %10s req/s  p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms  errors %d\n",
		r.Label, r.QoS, r.Clients, r.Size, strconv.FormatFloat(r.RPS, 'f', 0, 64), r.P50ms, r.P99ms, r.Maxms, r.Errors)
	return nil
}
