package sim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Report is the outcome of a run.
//
// Requests counts kp-scenario requests that finished (a reply, a timeout or a
// lost connection); requests still in flight when the context is cancelled
// are not counted. Errors holds failures by kind: of requests
// ("status_<code>", "timeout", "disconnected", "transport"), of connections
// ("connect"; "auth_bad_credentials", "auth_not_authorized" and
// "auth_certificate" when KPC refused the credentials), of upload tokens ("token_<kind>") and of uploads
// ("upload_<code>", "upload_timeout", "upload_transport"). A lost connection
// fails its in-flight requests as "disconnected", or counts once if none was
// in flight.
type Report struct {
	Scenario             string
	Transport            string // mqtt, mqtts, ws, wss, http or https
	Endpoints, Connected int    // asked for; connected at the end of the ramp
	NeverConnected       int    // endpoints that did not connect once in the whole run
	ConnectFailures      int64
	Lost                 int64   // connections lost that the simulator did not close (KPC went away, the network failed)
	Connects             int64   // successful connections, churn included
	ConnectsPerSec       float64 // successful connections over the ramp's duration

	ConnectP50, ConnectP99 time.Duration // time to connect, from a histogram

	Requests, OK   int64
	RequestsPerSec float64 // finished requests over the load phase (after the ramp)

	LatencyP50, LatencyP90, LatencyP99, LatencyMax time.Duration // of OK replies, from a histogram

	Uploads, UploadAttempts      int64 // uploads stored by BCX; uploads tried (each may fetch a token)
	UploadBytes                  int64
	UploadMBPerSec               float64 // MB (10^6 bytes) of uploads stored per second of the load phase
	UploadP50, UploadP99         time.Duration
	TokenFetches, TokenRefetches int64 // upload tokens asked for; of them, asked again after BCX refused one

	Errors        map[string]int64
	ErrorSamples  map[string]string // the first message seen for each error kind, when there was one
	Elapsed       time.Duration     // of the load phase
	RampElapsed   time.Duration
	CPUPerRequest time.Duration // the simulator's own process CPU (user+sys) per finished request and upload
	CPU           CPUUse        // the simulator's own CPU over the load phase, and whether it saturated
	Interrupted   bool          // the context was cancelled before the run ended

	// Uploaded are the paths of the blobs stored, with Options.KeepUploads
	// (BCX's Location, /api/v1/applications/<app>/endpoints/<id>/binary-data/<blob>).
	Uploaded []string
}

// ErrorCount is the sum of all errors.
func (r Report) ErrorCount() int64 {
	var n int64
	for _, v := range r.Errors {
		n += v
	}
	return n
}

// Operations is what errors are a share of: finished requests, tried
// uploads and connection attempts.
func (r Report) Operations() int64 {
	return r.Requests + r.UploadAttempts + r.Connects + r.ConnectFailures
}

type run struct {
	o         Options
	transport string
	runID     string // in MQTT client IDs: unique across processes and machines
	payload   payloadTemplate
	scenarios []Scenario // of each endpoint
	gate      *gate      // holds the mix's weights in operations started (nil: one scenario)
	blob      []byte
	kpHTTP    *http.Client // 1/KP over HTTP
	keeper    *keeper      // pings the MQTT connections
	static    []byte       // the kp payload of every endpoint, when the template has no placeholder
	bcxHTTP   *http.Client // uploads

	hist, upHist, connHist histogram

	connected, connects, connFail, lost, sent, ok  atomic.Int64
	uploads, uploadBytes, uploadsSent, uploadsDone atomic.Int64
	tokenFetches, tokenRefetches                   atomic.Int64
	errsMu                                         sync.Mutex
	errs                                           map[string]int64
	uploaded                                       []string          // with KeepUploads; under errsMu
	samples                                        map[string]string // first message per error kind
	nErrs, finished                                atomic.Int64
	budget                                         atomic.Int64 // requests and uploads left, when o.Requests > 0
	phase                                          atomic.Value // string
}

// failWith counts n errors of a kind and keeps the first message seen for
// it, so the report can say why (e.g. connection refused, the reason phrase).
func (r *run) failWith(kind string, n int64, msg string) {
	if n <= 0 {
		return
	}
	r.errsMu.Lock()
	r.errs[kind] += n
	if _, ok := r.samples[kind]; !ok && msg != "" {
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		r.samples[kind] = msg
	}
	r.errsMu.Unlock()
	r.nErrs.Add(n)
}

// take reserves one request or upload from the budget.
func (r *run) take() bool {
	if r.o.Requests <= 0 {
		return true
	}
	return r.budget.Add(-1) >= 0
}

// newRunID is 8 random hex digits: simulators in containers often share a
// PID, and equal client IDs would make the broker take sessions over.
func newRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Run connects o.Endpoints endpoints (at o.ConnectRate), then runs each
// endpoint's scenario until o.Duration passes or o.Requests are done, waits
// up to o.Timeout for the replies still due, and disconnects. progress, if
// not nil, gets a Snapshot about every 250ms and once at the end. Cancelling
// ctx stops the run promptly; the report of what happened so far is still
// returned (with Interrupted set) and the error is nil. Run fails only on bad
// options or when no endpoint could connect.
func Run(ctx context.Context, o Options, progress func(Snapshot)) (Report, error) {
	transport, err := o.defaults()
	if err != nil {
		return Report{}, err
	}
	tpl := payloadTemplate{parts: []tplPart{{lit: strings.Repeat("x", o.PayloadSize)}}}
	if o.Payload != "" {
		if tpl, err = parseTemplate(o.Payload); err != nil {
			return Report{}, fmt.Errorf("sim: %w", err)
		}
	}
	r := &run{o: o, transport: transport, runID: newRunID(), payload: tpl, errs: map[string]int64{}, samples: map[string]string{},
		scenarios: o.Scenario.Assign(o.Endpoints), gate: newGate(o.Scenario), keeper: newKeeper()}
	if !tpl.hasPlaceholders() {
		r.static = tpl.render(0, "", 0, time.Time{}) // shared: paho copies a payload into its packet
	}
	if o.Scenario.Has(ScenarioUpload) {
		r.blob = make([]byte, o.BlobSize)
		for i := range r.blob {
			r.blob[i] = byte('a' + i%26)
		}
		r.bcxHTTP = newHTTPClient(o.Endpoints, o.BCXTLS)
	}
	if transport == transportHTTP {
		r.kpHTTP = newHTTPClient(o.Endpoints, o.TLS)
	}
	r.budget.Store(int64(o.Requests))
	r.phase.Store("connecting")
	began := time.Now()
	cpu0 := cpuTime()
	snap := func() Snapshot { return r.snapshot(began, cpu0) }
	stopProgress := r.reportProgress(progress, snap)
	stopKeeper := every(r.keeper.tick, r.keeper.sweep)
	defer stopKeeper()

	all, interrupted := r.ramp(ctx, began)
	rampElapsed := time.Since(began)
	connected := int(r.connected.Load())
	defer r.disconnectAll(all)

	r.phase.Store("running")
	loadStart, loadCPU := time.Now(), cpuTime()
	ran := !interrupted && (connected > 0 || o.Reconnect)
	if ran {
		interrupted = r.load(ctx, all)
	}
	loadElapsed, loadCPU := time.Since(loadStart), cpuTime()-loadCPU
	r.phase.Store("done")
	stopProgress()

	rep := r.report(connected, rampElapsed, loadElapsed, interrupted)
	for _, e := range all {
		if !e.connectedOnce() {
			rep.NeverConnected++
		}
	}
	rep.CPU = cpuUse(loadCPU, loadElapsed, cores())
	if !ran { // no load phase (interrupted in the ramp, nothing connected): the ramp's CPU is all there is
		rep.CPU = cpuUse(cpuTime()-cpu0, rampElapsed, cores())
	}
	if rep.Requests+rep.UploadAttempts > 0 {
		rep.CPUPerRequest = (cpuTime() - cpu0) / time.Duration(rep.Requests+rep.UploadAttempts)
	}
	if progress != nil {
		progress(snap())
	}
	if connected == 0 && r.connects.Load() == 0 && !interrupted {
		err := fmt.Errorf("sim: no endpoint connected to %s", o.URL)
		for _, kind := range connectKinds {
			if why := rep.ErrorSamples[kind]; why != "" {
				err = fmt.Errorf("%w: %s", err, why)
				break
			}
		}
		return rep, err
	}
	return rep, nil
}

func (r *run) snapshot(began time.Time, cpu0 time.Duration) Snapshot {
	r.errsMu.Lock()
	kinds := maps.Clone(r.errs)
	r.errsMu.Unlock()
	return Snapshot{Phase: r.phase.Load().(string), Endpoints: r.o.Endpoints, Connected: r.connected.Load(),
		Connects: r.connects.Load(), ConnectFailures: r.connFail.Load(),
		Sent: r.sent.Load(), OK: r.ok.Load(), Errors: r.nErrs.Load(), Finished: r.finished.Load(), ErrorsByKind: kinds, Elapsed: time.Since(began),
		LatencyP50: r.hist.quantile(0.5), LatencyP90: r.hist.quantile(0.9), LatencyP99: r.hist.quantile(0.99),
		Uploads: r.uploads.Load(), UploadBytes: r.uploadBytes.Load(), CPU: cpuTime() - cpu0}
}

// reportProgress calls progress with a snapshot every 250ms until the
// returned stop function is called (and has waited for the last call).
func (r *run) reportProgress(progress func(Snapshot), snap func() Snapshot) (stop func()) {
	if progress == nil {
		return func() {}
	}
	return every(250*time.Millisecond, func() { progress(snap()) })
}

// every calls fn every d until the returned function is called, which
// waits for the call in progress to end.
func every(d time.Duration, fn func()) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				fn()
			case <-quit:
				return
			}
		}
	}()
	return func() { close(quit); <-done }
}

// ramp connects the endpoints, endpoint i at i/ConnectRate, and returns
// them (those it got to before ctx ended).
func (r *run) ramp(ctx context.Context, began time.Time) (all []*endpoint, interrupted bool) {
	var wg sync.WaitGroup
	for i := range r.o.Endpoints {
		if r.o.ConnectRate > 0 && i > 0 {
			wait := time.Until(began.Add(time.Duration(float64(i) / r.o.ConnectRate * float64(time.Second))))
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
			break
		}
		e := newEndpoint(r, i)
		all = append(all, e)
		wg.Add(1)
		go func() { defer wg.Done(); e.connect(ctx) }()
	}
	wg.Wait()
	return all, ctx.Err() != nil
}

// disconnectAll closes every connection, then the idle HTTP connections:
// keep-alive ones, and spares the transport dialed but never used, would
// otherwise hold a server's graceful shutdown. A thousand at a time: a
// goroutine each (and paho's own for its DISCONNECT) would add a fleet's
// worth of stacks at the very end of a run.
func (r *run) disconnectAll(all []*endpoint) {
	next := make(chan *endpoint)
	var wg sync.WaitGroup
	for range min(len(all), 1024) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range next {
				e.disconnect()
			}
		}()
	}
	for _, e := range all {
		next <- e
	}
	close(next)
	wg.Wait() // each disconnect is bounded (closePaho)
	for _, hc := range []*http.Client{r.kpHTTP, r.bcxHTTP} {
		if hc != nil {
			hc.CloseIdleConnections()
		}
	}
}

// load runs every endpoint's scenario until Duration passes, the budget is
// spent (and nothing is left that could spend it) or ctx ends, then waits
// for the replies still due. It reports whether ctx ended the run.
func (r *run) load(ctx context.Context, all []*endpoint) (interrupted bool) {
	o := r.o
	stopSweep := r.sweep(all)
	defer stopSweep()
	stop := make(chan struct{})
	// lwg: every loop; spenders: the kp and upload loops, which spend the
	// budget. When they have all ended, a budget run is over even if
	// connect loops could churn on.
	var lwg, spenders sync.WaitGroup
	var timed []*timedLoop
	for _, e := range all {
		if !e.live() && e.scen != ScenarioConnect && !o.Reconnect {
			continue // never connected (connect endpoints, and all with Reconnect, keep trying)
		}
		spends := e.scen != ScenarioConnect
		lwg.Add(1)
		if spends {
			spenders.Add(1)
		}
		if e.scen == ScenarioKP && r.timedKP() {
			timed = append(timed, e.kpTimed(stop, func() { spenders.Done(); lwg.Done() }))
			continue
		}
		r.gate.enter(e.scen) // before any loop starts, so no scenario runs ahead of one not started yet
		go func() {
			defer lwg.Done()
			defer r.gate.leave(e.scen)
			if spends {
				defer spenders.Done()
			}
			switch e.scen {
			case ScenarioKP:
				e.withReconnect(ctx, stop, func() { e.kpLoop(stop) })
			case ScenarioUpload:
				e.withReconnect(ctx, stop, func() { e.uploadLoop(ctx, stop) })
			case ScenarioConnect:
				e.connectLoop(ctx, stop)
			}
		}()
	}
	allDone := waitChan(&lwg)
	var deadline <-chan time.Time
	if o.Duration > 0 {
		t := time.NewTimer(o.Duration)
		defer t.Stop()
		deadline = t.C
	}
	var budgetSpent, spent <-chan struct{}
	if o.Requests > 0 {
		budgetSpent = r.waitBudget(allDone)
		spent = waitChan(&spenders)
	}
	select {
	case <-allDone: // every loop ended: budget spent or connections lost
	case <-budgetSpent:
	case <-spent: // nothing left that could spend the budget
	case <-deadline:
	case <-ctx.Done():
		interrupted = true
	}
	close(stop)
	for _, l := range timed {
		l.end()
	}
	r.phase.Store("draining")
	<-allDone // loops end promptly; uploads in flight finish (bounded by UploadTimeout, or ctx)
	if !interrupted {
		r.drain(ctx, all)
	}
	return ctx.Err() != nil
}

// waitChan closes when wg's count reaches zero.
func waitChan(wg *sync.WaitGroup) <-chan struct{} {
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	return ch
}

// sweep expires requests past their deadline until the returned stop
// function is called.
func (r *run) sweep(all []*endpoint) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(min(max(r.o.Timeout/20, 2*time.Millisecond), 100*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				for _, e := range all {
					e.expire(now, r.o.Timeout)
				}
			case <-quit:
				return
			}
		}
	}()
	return func() { close(quit); <-done }
}

// waitBudget closes the returned channel once the budget is spent and every
// request and upload taken from it has finished (or all loops ended).
func (r *run) waitBudget(allDone <-chan struct{}) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if r.budget.Load() <= 0 && r.finished.Load()+r.uploadsDone.Load() >= r.sent.Load()+r.uploadsSent.Load() {
				return
			}
			select {
			case <-t.C:
			case <-allDone:
				return
			}
		}
	}()
	return ch
}

// drain waits for the replies still due; the sweeper expires each within
// Timeout.
func (r *run) drain(ctx context.Context, all []*endpoint) {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	giveUp := time.NewTimer(r.o.Timeout + time.Second)
	defer giveUp.Stop()
	for {
		pending := false
		for _, e := range all {
			if e.inFlight() > 0 {
				pending = true
				break
			}
		}
		if !pending {
			return
		}
		select {
		case <-tick.C:
		case <-giveUp.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// transportName names the transport of a KPC URL for the report.
func transportName(rawURL string) string {
	scheme, _, _ := strings.Cut(rawURL, "://")
	switch scheme {
	case "tcp", "mqtt":
		return "mqtt"
	case "ssl", "tls", "mqtts":
		return "mqtts"
	}
	return scheme
}

func (r *run) report(connected int, ramp, load time.Duration, interrupted bool) Report {
	rep := Report{
		Scenario: r.o.Scenario.String(), Transport: transportName(r.o.URL),
		Endpoints: r.o.Endpoints, Connected: connected, ConnectFailures: r.connFail.Load(), Connects: r.connects.Load(), Lost: r.lost.Load(),
		ConnectP50: r.connHist.quantile(0.5), ConnectP99: r.connHist.quantile(0.99),
		OK: r.ok.Load(), Requests: r.finished.Load(), Elapsed: load, RampElapsed: ramp,
		LatencyP50: r.hist.quantile(0.50), LatencyP90: r.hist.quantile(0.90), LatencyP99: r.hist.quantile(0.99),
		LatencyMax: time.Duration(r.hist.max.Load()),
		Uploads:    r.uploads.Load(), UploadAttempts: r.uploadsDone.Load(), UploadBytes: r.uploadBytes.Load(),
		UploadP50: r.upHist.quantile(0.5), UploadP99: r.upHist.quantile(0.99),
		TokenFetches: r.tokenFetches.Load(), TokenRefetches: r.tokenRefetches.Load(),
		Interrupted: interrupted,
	}
	r.errsMu.Lock()
	rep.Errors = maps.Clone(r.errs)
	rep.ErrorSamples = maps.Clone(r.samples)
	rep.Uploaded = r.uploaded
	r.errsMu.Unlock()
	if ramp > 0 {
		rep.ConnectsPerSec = float64(connected) / ramp.Seconds()
	}
	if load > 0 {
		rep.RequestsPerSec = float64(rep.Requests) / load.Seconds()
		rep.UploadMBPerSec = float64(rep.UploadBytes) / 1e6 / load.Seconds()
	}
	return rep
}
