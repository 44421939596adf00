package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Options configures a simulation run.
type Options struct {
	MQTTURL     string             // broker, e.g. tcp://127.0.0.1:1883
	Endpoints   int                // simulated endpoints, one MQTT connection each (default 1)
	Tokens      func(i int) string // token of endpoint i (default "sim-<i>")
	AppVersion  string             // default demo-v1
	Extension   string             // default echo
	Resource    string             // default ping
	QoS         byte               // of requests (KPC answers with the same QoS, capped at 1)
	PayloadSize int                // default 256
	ConnectRate float64            // connections per second during the ramp (0 = all at once)
	Rate        float64            // requests per second per endpoint (0 = closed loop: next request when the reply arrives)
	Duration    time.Duration      // run length after the ramp (0 with Requests>0 = until Requests done; both 0 = 10s)
	Requests    int                // total request budget (0 = unlimited within Duration)
	Timeout     time.Duration      // reply deadline per request, default 5s
}

// Report is the outcome of a run.
//
// Requests counts requests that finished (a reply, a timeout or a lost
// connection); requests still in flight when the context is cancelled are not
// counted. Errors holds request errors by kind ("status_<code>", "timeout",
// "disconnected") and connection failures ("connect"). A lost connection fails
// its in-flight requests as "disconnected", or counts once if none was in flight.
type Report struct {
	Endpoints, Connected int
	ConnectFailures      int64
	ConnectsPerSec       float64 // successful connections over the ramp's duration
	Requests, OK         int64
	RequestsPerSec       float64 // finished requests over the load phase (after the ramp)

	LatencyP50, LatencyP90, LatencyP99, LatencyMax time.Duration // of OK replies, from a histogram

	Errors        map[string]int64
	Elapsed       time.Duration // of the load phase
	RampElapsed   time.Duration
	CPUPerRequest time.Duration // the simulator's own process CPU (user+sys) per finished request
	Interrupted   bool          // the context was cancelled before the run ended
}

// ErrorCount is the sum of all errors.
func (r Report) ErrorCount() int64 {
	var n int64
	for _, v := range r.Errors {
		n += v
	}
	return n
}

var runSeq atomic.Int64

type run struct {
	o       Options
	payload []byte
	hist    histogram

	connected, connFail, sent, ok atomic.Int64
	errsMu                        sync.Mutex
	errs                          map[string]int64
	nErrs, finished               atomic.Int64
	budget                        atomic.Int64 // requests left to send, when o.Requests > 0
}

func (r *run) fail(kind string, n int64) {
	if n <= 0 {
		return
	}
	r.errsMu.Lock()
	r.errs[kind] += n
	r.errsMu.Unlock()
	r.nErrs.Add(n)
}

// take reserves one request from the budget.
func (r *run) take() bool {
	if r.o.Requests <= 0 {
		return true
	}
	return r.budget.Add(-1) >= 0
}

type endpoint struct {
	r      *run
	i      int
	base   string // kp1/<app>/<ext>/<token>/<resource>/
	cl     paho.Client
	nextID uint64

	mu      sync.Mutex
	pending map[uint64]time.Time
	lost    bool
	lostCh  chan struct{}
	done    chan struct{} // a request finished (closed loop wakes on it)
}

func (e *endpoint) finish() {
	select {
	case e.done <- struct{}{}:
	default:
	}
}

// onMessage handles replies: <base><id>/status or <base><id>/error.
func (e *endpoint) onMessage(_ paho.Client, m paho.Message) {
	now := time.Now()
	rest, ok := strings.CutPrefix(m.Topic(), e.base)
	if !ok {
		return
	}
	idStr, kind, ok := strings.Cut(rest, "/")
	if !ok || (kind != "status" && kind != "error") {
		return
	}
	id, err := strconv.ParseUint(idStr, 10, 64)
	if err != nil {
		return
	}
	e.mu.Lock()
	start, ok := e.pending[id]
	delete(e.pending, id)
	e.mu.Unlock()
	if !ok {
		return // late reply to a request already counted as timed out
	}
	r := e.r
	if kind == "status" {
		r.hist.record(now.Sub(start))
		r.ok.Add(1)
	} else {
		var body struct {
			StatusCode int `json:"statusCode"`
		}
		if json.Unmarshal(m.Payload(), &body) == nil && body.StatusCode != 0 {
			r.fail("status_"+strconv.Itoa(body.StatusCode), 1)
		} else {
			r.fail("status_unknown", 1)
		}
	}
	r.finished.Add(1)
	e.finish()
}

func (e *endpoint) onLost(_ paho.Client, _ error) {
	e.mu.Lock()
	if e.lost {
		e.mu.Unlock()
		return
	}
	e.lost = true
	n := int64(len(e.pending))
	clear(e.pending)
	close(e.lostCh)
	e.mu.Unlock()
	e.r.connected.Add(-1)
	e.r.fail("disconnected", max(n, 1))
	e.r.finished.Add(n)
}

// expire fails requests older than the timeout.
func (e *endpoint) expire(now time.Time, timeout time.Duration) {
	var n int64
	e.mu.Lock()
	for id, start := range e.pending {
		if now.Sub(start) >= timeout {
			delete(e.pending, id)
			n++
		}
	}
	e.mu.Unlock()
	if n > 0 {
		e.r.fail("timeout", n)
		e.r.finished.Add(n)
		e.finish()
	}
}

func (e *endpoint) inFlight() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.pending)
}

func (e *endpoint) send() bool {
	if !e.r.take() {
		return false
	}
	e.nextID++
	id := e.nextID
	e.mu.Lock()
	if e.lost {
		e.mu.Unlock()
		return false
	}
	e.pending[id] = time.Now()
	e.mu.Unlock()
	e.r.sent.Add(1)
	e.cl.Publish(e.base+strconv.FormatUint(id, 10), e.r.o.QoS, false, e.r.payload)
	return true
}

// load sends requests until stop closes, the budget is spent or the connection is lost.
func (e *endpoint) load(stop <-chan struct{}) {
	o := e.r.o
	if o.Rate <= 0 { // closed loop
		for {
			select {
			case <-stop:
				return
			case <-e.lostCh:
				return
			default:
			}
			if !e.send() {
				return
			}
			select {
			case <-e.done:
			case <-stop:
				return
			case <-e.lostCh:
				return
			}
		}
	}
	period := time.Duration(float64(time.Second) / o.Rate)
	// Spread endpoints over the first period so they do not fire together.
	first := time.NewTimer(time.Duration(rand.Int64N(int64(period) + 1)))
	select {
	case <-first.C:
	case <-stop:
		first.Stop()
		return
	case <-e.lostCh:
		first.Stop()
		return
	}
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		if !e.send() {
			return
		}
		select {
		case <-tick.C:
		case <-stop:
			return
		case <-e.lostCh:
			return
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (o *Options) defaults() error {
	if o.MQTTURL == "" {
		return errors.New("sim: no MQTT URL")
	}
	if o.Endpoints <= 0 {
		o.Endpoints = 1
	}
	if o.Tokens == nil {
		o.Tokens = func(i int) string { return "sim-" + strconv.Itoa(i) }
	}
	if o.AppVersion == "" {
		o.AppVersion = "demo-v1"
	}
	if o.Extension == "" {
		o.Extension = "echo"
	}
	if o.Resource == "" {
		o.Resource = "ping"
	}
	if o.QoS > 1 {
		return fmt.Errorf("sim: QoS %d not supported (0 or 1)", o.QoS)
	}
	if o.PayloadSize <= 0 {
		o.PayloadSize = 256
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Duration <= 0 && o.Requests <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.ConnectRate < 0 || o.Rate < 0 {
		return errors.New("sim: negative rate")
	}
	return nil
}

// Run connects o.Endpoints endpoints (at o.ConnectRate), then sends 1/KP
// requests until o.Duration passes or o.Requests are done, waits up to
// o.Timeout for the replies still due, and disconnects. progress, if not nil,
// gets a Snapshot about every 250ms and once at the end. Cancelling ctx stops
// the run promptly; the report of what happened so far is still returned (with
// Interrupted set) and the error is nil. Run fails only on bad options or when
// no endpoint could connect.
func Run(ctx context.Context, o Options, progress func(Snapshot)) (Report, error) {
	if err := o.defaults(); err != nil {
		return Report{}, err
	}
	r := &run{o: o, payload: []byte(strings.Repeat("x", o.PayloadSize)), errs: map[string]int64{}}
	r.budget.Store(int64(o.Requests))
	began := time.Now()
	cpu0 := cpuTime()

	// Progress reporter.
	progStop := make(chan struct{})
	progDone := make(chan struct{})
	snap := func() Snapshot {
		r.errsMu.Lock()
		kinds := maps.Clone(r.errs)
		r.errsMu.Unlock()
		return Snapshot{Endpoints: o.Endpoints, Connected: r.connected.Load(), ConnectFailures: r.connFail.Load(),
			Sent: r.sent.Load(), OK: r.ok.Load(), Errors: r.nErrs.Load(), ErrorsByKind: kinds, Elapsed: time.Since(began),
			LatencyP50: r.hist.quantile(0.5), LatencyP90: r.hist.quantile(0.9), LatencyP99: r.hist.quantile(0.99),
			CPU: cpuTime() - cpu0}
	}
	go func() {
		defer close(progDone)
		if progress == nil {
			<-progStop
			return
		}
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				progress(snap())
			case <-progStop:
				return
			}
		}
	}()

	// Ramp: endpoint i starts connecting at i/ConnectRate.
	eps := make([]*endpoint, o.Endpoints)
	seq := runSeq.Add(1)
	var wg sync.WaitGroup
	interrupted := false
ramp:
	for i := range eps {
		if o.ConnectRate > 0 && i > 0 {
			wait := time.Until(began.Add(time.Duration(float64(i) / o.ConnectRate * float64(time.Second))))
			if wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
				}
			}
		}
		if ctx.Err() != nil {
			interrupted = true
			break ramp
		}
		e := &endpoint{r: r, i: i, pending: map[uint64]time.Time{}, lostCh: make(chan struct{}), done: make(chan struct{}, 1),
			base: fmt.Sprintf("kp1/%s/%s/%s/%s/", o.AppVersion, o.Extension, o.Tokens(i), strings.Trim(o.Resource, "/"))}
		wg.Add(1)
		go func() {
			defer wg.Done()
			opts := paho.NewClientOptions().AddBroker(o.MQTTURL).
				SetClientID(fmt.Sprintf("kaasim-%d-%d-%d", os.Getpid(), seq, i)).
				SetAutoReconnect(false).SetConnectRetry(false).SetOrderMatters(false).SetCleanSession(true).
				SetConnectTimeout(10 * time.Second).SetWriteTimeout(10 * time.Second).
				SetDefaultPublishHandler(e.onMessage).SetConnectionLostHandler(e.onLost)
			cl := paho.NewClient(opts)
			tok := cl.Connect()
			select {
			case <-tok.Done():
			case <-ctx.Done():
				// paho's connect gives up on its own timeout; disconnect once it has.
				go func() { tok.Wait(); cl.Disconnect(0) }()
				return
			}
			if tok.Error() != nil {
				r.connFail.Add(1)
				r.fail("connect", 1)
				return
			}
			e.cl = cl
			eps[i] = e
			r.connected.Add(1)
		}()
	}
	wg.Wait()
	rampElapsed := time.Since(began)
	if ctx.Err() != nil {
		interrupted = true
	}
	var live []*endpoint
	for _, e := range eps {
		if e != nil {
			live = append(live, e)
		}
	}
	defer func() {
		var dwg sync.WaitGroup
		for _, e := range live {
			dwg.Add(1)
			go func() { defer dwg.Done(); e.cl.Disconnect(20) }()
		}
		// paho's Disconnect can stall on a connection the broker is closing
		// at the same time; never let that hold the report back.
		waited := make(chan struct{})
		go func() { dwg.Wait(); close(waited) }()
		t := time.NewTimer(2 * time.Second)
		defer t.Stop()
		select {
		case <-waited:
		case <-t.C:
		}
	}()

	// Load phase.
	loadStart := time.Now()
	stop := make(chan struct{})
	var stopOnce sync.Once
	stopLoad := func() { stopOnce.Do(func() { close(stop) }) }
	sweepStop := make(chan struct{})
	sweepDone := make(chan struct{})
	go func() { // expires requests past their deadline
		defer close(sweepDone)
		iv := min(max(o.Timeout/20, 2*time.Millisecond), 100*time.Millisecond)
		t := time.NewTicker(iv)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				for _, e := range live {
					e.expire(now, o.Timeout)
				}
			case <-sweepStop:
				return
			}
		}
	}()
	var lwg sync.WaitGroup
	if !interrupted && len(live) > 0 {
		for _, e := range live {
			lwg.Add(1)
			go func() { defer lwg.Done(); e.load(stop) }()
		}
		allDone := make(chan struct{})
		go func() { lwg.Wait(); close(allDone) }()
		var deadline <-chan time.Time
		if o.Duration > 0 {
			t := time.NewTimer(o.Duration)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-allDone: // budget spent (or every connection lost)
		case <-deadline:
		case <-ctx.Done():
			interrupted = true
		}
		stopLoad()
		lwg.Wait()
		// Wait for the replies still due; each expires within Timeout.
		if !interrupted {
			drain := time.NewTicker(2 * time.Millisecond)
			giveUp := time.NewTimer(o.Timeout + time.Second) // the sweeper expires everything by then
			defer giveUp.Stop()
			for pending := true; pending; {
				pending = false
				for _, e := range live {
					if e.inFlight() > 0 {
						pending = true
						break
					}
				}
				if !pending {
					break
				}
				select {
				case <-drain.C:
				case <-giveUp.C:
					pending = false
				case <-ctx.Done():
					interrupted = true
					pending = false
				}
			}
			drain.Stop()
		}
	}
	loadElapsed := time.Since(loadStart)
	close(sweepStop)
	<-sweepDone
	close(progStop)
	<-progDone

	rep := Report{
		Endpoints: o.Endpoints, Connected: len(live), ConnectFailures: r.connFail.Load(),
		OK: r.ok.Load(), Requests: r.finished.Load(), Elapsed: loadElapsed, RampElapsed: rampElapsed,
		LatencyP50: r.hist.quantile(0.50), LatencyP90: r.hist.quantile(0.90), LatencyP99: r.hist.quantile(0.99),
		LatencyMax: time.Duration(r.hist.max.Load()), Interrupted: interrupted,
	}
	r.errsMu.Lock()
	rep.Errors = r.errs
	r.errsMu.Unlock()
	if rampElapsed > 0 {
		rep.ConnectsPerSec = float64(rep.Connected) / rampElapsed.Seconds()
	}
	if loadElapsed > 0 {
		rep.RequestsPerSec = float64(rep.Requests) / loadElapsed.Seconds()
	}
	if rep.Requests > 0 {
		rep.CPUPerRequest = (cpuTime() - cpu0) / time.Duration(rep.Requests)
	}
	if progress != nil {
		progress(snap())
	}
	if len(live) == 0 && !interrupted {
		return rep, fmt.Errorf("sim: no endpoint connected to %s", o.MQTTURL)
	}
	return rep, nil
}
