package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// result is the outcome of one 1/KP request. kind is empty for a reply
// (status holds its code) or names the failure: timeout, disconnected,
// transport.
type result struct {
	status int
	body   []byte
	kind   string
	msg    string // why it failed, when known
}

// why is the failure's message: the reply's reason phrase, or msg.
func (res result) why() string {
	if res.msg != "" {
		return res.msg
	}
	var body struct {
		ReasonPhrase string `json:"reasonPhrase"`
	}
	if json.Unmarshal(res.body, &body) == nil {
		return body.ReasonPhrase
	}
	return ""
}

// errKind names the error kind of a failed result.
func (res result) errKind() string {
	switch {
	case res.kind != "":
		return res.kind
	case res.status == 0:
		return "status_unknown"
	default:
		return "status_" + strconv.Itoa(res.status)
	}
}

func (res result) ok() bool { return res.kind == "" && res.status >= 200 && res.status < 300 }

// call is a request in flight. ch is nil for load requests, which the run
// accounts for; token requests get their result on ch.
type call struct {
	start time.Time
	ch    chan result
}

type endpoint struct {
	r       *run
	i       int
	token   string
	scen    Scenario
	payload []byte // of kp requests, when the template has no per-request placeholder

	mu        sync.Mutex
	c         conn // nil until connected
	gen       uint64
	nextID    uint64
	pending   map[uint64]call
	lost      bool          // the current connection is gone (or never came)
	lostEarly uint64        // a connection lost before connect marked it live
	lostCh    chan struct{} // closed when lost turns true
	done      chan struct{} // a load request finished (closed loop wakes on it)
}

func newEndpoint(r *run, i int) *endpoint {
	lost := make(chan struct{})
	close(lost)
	e := &endpoint{r: r, i: i, token: r.o.Tokens(i), scen: r.scenarios[i], pending: map[uint64]call{},
		lost: true, lostCh: lost, done: make(chan struct{}, 1)}
	if !r.payload.perRequest {
		e.payload = r.payload.render(i, e.token, 0, time.Time{})
	}
	return e
}

func (e *endpoint) finish() {
	select {
	case e.done <- struct{}{}:
	default:
	}
}

// lostChan is the channel that closes when the current connection is lost.
func (e *endpoint) lostChan() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lostCh
}

// connect dials a new connection and times it.
func (e *endpoint) connect(ctx context.Context) bool {
	r := e.r
	e.mu.Lock()
	e.gen++
	gen := e.gen
	e.mu.Unlock()
	start := time.Now()
	var c conn
	var err error
	if r.transport == transportHTTP {
		c, err = r.dialHTTP(e)
	} else {
		c, err = r.dialMQTT(ctx, e, gen)
	}
	if err != nil {
		if ctx.Err() == nil {
			r.connFail.Add(1)
			r.failWith("connect", 1, err.Error())
		}
		return false
	}
	r.connHist.record(time.Since(start))
	e.mu.Lock()
	if e.lostEarly == gen { // lost between the CONNACK and here: lose ignored it
		e.mu.Unlock()
		c.close()
		r.failWith("disconnected", 1, "connection lost right after connecting")
		return false
	}
	e.c, e.lost, e.lostCh = c, false, make(chan struct{})
	e.mu.Unlock()
	r.connects.Add(1)
	r.connected.Add(1)
	return true
}

// disconnect closes the connection on purpose; it is not counted as an error.
func (e *endpoint) disconnect() {
	e.mu.Lock()
	c, wasLive := e.c, !e.lost
	e.c = nil
	e.gen++ // a late loss report of the closed connection is ignored
	if wasLive {
		e.lost = true
		close(e.lostCh)
	}
	pend := e.pending
	e.pending = map[uint64]call{}
	e.mu.Unlock()
	failWaiters(pend, result{kind: "stopped"}) // load requests are not counted: the run is over or churning
	if wasLive {
		e.r.connected.Add(-1)
	}
	if c != nil {
		c.close()
	}
}

// lose handles an unexpected loss of connection gen: requests in flight fail
// as "disconnected" (or the loss counts once if none was).
func (e *endpoint) lose(gen uint64, cause error) {
	e.mu.Lock()
	if gen != e.gen {
		e.mu.Unlock()
		return // an old connection
	}
	if e.lost {
		e.lostEarly = gen // not live yet (connect is finishing) or already counted
		e.mu.Unlock()
		return
	}
	e.lost = true
	lostCh := e.lostCh // closed once the loss is counted: loops waiting on it may end the run
	pend := e.pending
	e.pending = map[uint64]call{}
	e.mu.Unlock()
	defer close(lostCh)
	e.r.connected.Add(-1)
	why := "connection lost"
	if cause != nil {
		why = "connection lost: " + cause.Error()
	}
	n := failWaiters(pend, result{kind: "disconnected", msg: why})
	if n == 0 && len(pend) == 0 {
		e.r.failWith("disconnected", 1, why)
	} else if n > 0 {
		e.r.failWith("disconnected", n, why)
		e.r.finished.Add(n)
	}
	e.finish()
}

// failWaiters answers the waiting requests of pend with res and returns how
// many load requests (no waiter; the caller accounts for them) it holds.
func failWaiters(pend map[uint64]call, res result) (load int64) {
	for _, cl := range pend {
		if cl.ch != nil {
			cl.ch <- res
		} else {
			load++
		}
	}
	return load
}

// onMessage handles MQTT replies: .../<id>/status or .../<id>/error.
func (e *endpoint) onMessage(topic string, payload []byte) {
	rest, kind, ok := cutLast(topic)
	if !ok || (kind != "status" && kind != "error") {
		return
	}
	_, idStr, ok := cutLast(rest)
	if !ok {
		return
	}
	id, err := strconv.ParseUint(idStr, 10, 64)
	if err != nil {
		return
	}
	status := http.StatusOK
	if kind == "error" {
		status = statusOf(payload)
	}
	e.complete(id, status, payload)
}

func cutLast(s string) (before, last string, ok bool) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// complete finishes request id with a status (-1: transport failure).
func (e *endpoint) complete(id uint64, status int, body []byte) {
	now := time.Now()
	e.mu.Lock()
	cl, ok := e.pending[id]
	delete(e.pending, id)
	e.mu.Unlock()
	if !ok {
		return // a late reply to a request already counted as timed out
	}
	res := result{status: status, body: body}
	if status < 0 {
		res = result{kind: "transport"}
	}
	if cl.ch != nil {
		cl.ch <- res
		return
	}
	r := e.r
	if res.ok() {
		r.hist.record(now.Sub(cl.start))
		r.ok.Add(1)
	} else {
		r.failWith(res.errKind(), 1, res.why())
	}
	r.finished.Add(1)
	e.finish()
}

// expire fails requests older than the timeout.
func (e *endpoint) expire(now time.Time, timeout time.Duration) {
	var n int64
	var waiting []chan result
	e.mu.Lock()
	for id, cl := range e.pending {
		if now.Sub(cl.start) >= timeout {
			delete(e.pending, id)
			if cl.ch != nil {
				waiting = append(waiting, cl.ch)
			} else {
				n++
			}
		}
	}
	e.mu.Unlock()
	for _, ch := range waiting {
		ch <- result{kind: "timeout", msg: "no reply within " + timeout.String()}
	}
	if n > 0 {
		e.r.failWith("timeout", n, "no reply within "+timeout.String())
		e.r.finished.Add(n)
		e.finish()
	}
}

func (e *endpoint) live() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return !e.lost
}

func (e *endpoint) inFlight() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.pending)
}

// start registers a request and returns its id and the connection to send
// it on, or false if the connection is gone.
func (e *endpoint) start(ch chan result) (uint64, conn, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lost || e.c == nil {
		return 0, nil, false
	}
	e.nextID++
	e.pending[e.nextID] = call{start: time.Now(), ch: ch}
	return e.nextID, e.c, true
}

// sendLoad sends one kp-scenario request; the run accounts for its outcome.
func (e *endpoint) sendLoad() bool {
	if !e.r.take() {
		return false
	}
	id, c, ok := e.start(nil)
	if !ok {
		e.r.budget.Add(1) // give it back: it was never sent
		return false
	}
	e.r.sent.Add(1)
	payload := e.payload
	if payload == nil {
		payload = e.r.payload.render(e.i, e.token, id, time.Now())
	}
	c.send(e.r.o.Extension, e.r.o.Resource, id, payload)
	return true
}

// request sends one request and waits for its result (replies, timeouts and
// losses all answer on the channel).
func (e *endpoint) request(ext, resource string, payload []byte) result {
	ch := make(chan result, 1)
	id, c, ok := e.start(ch)
	if !ok {
		return result{kind: "disconnected"}
	}
	c.send(ext, resource, id, payload)
	return <-ch
}

// pacer waits between operations: at a fixed rate with a random first
// offset (so endpoints do not fire together), or not at all (closed loop).
type pacer struct {
	t *time.Ticker
}

func newPacer(rate float64, stop, lost <-chan struct{}) (*pacer, bool) {
	if rate <= 0 {
		return &pacer{}, true
	}
	period := time.Duration(float64(time.Second) / rate)
	first := time.NewTimer(time.Duration(rand.Int64N(int64(period) + 1)))
	defer first.Stop()
	select {
	case <-first.C:
	case <-stop:
		return nil, false
	case <-lost:
		return nil, false
	}
	return &pacer{t: time.NewTicker(period)}, true
}

// closed is a channel that is always ready.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// wait waits for the next tick (fixed rate), for done (closed loop with a
// reply to wait for) or not at all (done nil), and reports false once stop
// closes or the connection is lost.
func (p *pacer) wait(stop, lost, done <-chan struct{}) bool {
	var tick <-chan time.Time
	switch {
	case p.t != nil:
		tick, done = p.t.C, nil
	case done == nil:
		done = closed
	}
	select {
	case <-stop:
		return false
	case <-lost:
		return false
	default:
	}
	select {
	case <-tick:
		return true
	case <-done:
		return true
	case <-stop:
		return false
	case <-lost:
		return false
	}
}

func (p *pacer) close() {
	if p.t != nil {
		p.t.Stop()
	}
}

// kpLoop sends requests until stop closes, the budget is spent or the
// connection is lost. Closed loop: the next request when a reply arrives.
func (e *endpoint) kpLoop(stop <-chan struct{}) {
	select { // a signal left from before a reconnect would double the load
	case <-e.done:
	default:
	}
	lost := e.lostChan()
	p, ok := newPacer(e.r.o.Rate, stop, lost)
	if !ok {
		return
	}
	defer p.close()
	for {
		if !e.sendLoad() {
			return
		}
		if !p.wait(stop, lost, e.done) {
			return
		}
	}
}

// uploadLoop uploads blobs until stop closes, the budget is spent or the
// connection (needed for tokens) is lost.
func (e *endpoint) uploadLoop(ctx context.Context, stop <-chan struct{}) {
	lost := e.lostChan()
	p, ok := newPacer(e.r.o.UploadRate, stop, lost)
	if !ok {
		return
	}
	defer p.close()
	var tok string
	for n := 1; ; n++ {
		if !e.r.take() {
			return
		}
		e.uploadOnce(ctx, &tok, n)
		if !p.wait(stop, lost, nil) {
			return
		}
	}
}

// uploadOnce uploads blob n, fetching a token first if there is none and
// again once if BCX refuses the one it has (expired or revoked).
func (e *endpoint) uploadOnce(ctx context.Context, tok *string, n int) {
	r := e.r
	r.uploadsSent.Add(1)
	defer r.uploadsDone.Add(1)
	for attempt := 0; attempt < 2; attempt++ {
		if *tok == "" || attempt > 0 {
			if attempt > 0 {
				r.tokenRefetches.Add(1)
			}
			t, kind, why := e.fetchToken()
			if kind != "" {
				*tok = ""
				r.failWith("token_"+kind, 1, why)
				return
			}
			*tok = t
		}
		start := time.Now()
		status, why, err := r.upload(ctx, *tok, "sim-"+strconv.Itoa(e.i)+"-"+strconv.Itoa(n))
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return // interrupted: not the server's failure
			}
			kind := "upload_transport"
			if errors.Is(err, context.DeadlineExceeded) {
				kind = "upload_timeout"
			}
			r.failWith(kind, 1, err.Error())
			return
		case status == http.StatusForbidden && attempt == 0:
			continue
		case status >= 200 && status < 300:
			r.upHist.record(time.Since(start))
			r.uploads.Add(1)
			r.uploadBytes.Add(int64(len(r.blob)))
			return
		default:
			r.failWith("upload_"+strconv.Itoa(status), 1, why)
			return
		}
	}
}

// fetchToken asks BCX for an upload token over 1/KP; kind names the
// failure and why explains it.
func (e *endpoint) fetchToken() (token, kind, why string) {
	r := e.r
	r.tokenFetches.Add(1)
	res := e.request(r.o.BCXExtension, "token", []byte("{}"))
	if !res.ok() {
		return "", res.errKind(), res.why()
	}
	var body struct {
		Token string `json:"token"`
	}
	if json.Unmarshal(res.body, &body) != nil || body.Token == "" {
		return "", "bad_reply", "reply without a token: " + string(res.body)
	}
	return body.Token, "", ""
}

// upload POSTs one blob to BCX and returns the HTTP status and, for a
// failure, BCX's reason.
func (r *run) upload(ctx context.Context, token, name string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.UploadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.o.BCXURL+"/api/v1/binary-data?name="+url.QueryEscape(name), bytes.NewReader(r.blob))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := r.bcxHTTP.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxReplyBody))
		return resp.StatusCode, "", nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	why := result{body: body}.why()
	if why == "" {
		why = strings.TrimSpace(string(body))
	}
	return resp.StatusCode, why, nil
}

// withReconnect runs loop and, when it ended because the connection was
// lost, connects again with exponential backoff (100ms doubling to 5s, with
// jitter) and runs it again, until stop closes or the budget is spent.
func (e *endpoint) withReconnect(ctx context.Context, stop <-chan struct{}, loop func()) {
	for {
		loop()
		select {
		case <-stop:
			return
		default:
		}
		if !e.r.o.Reconnect || e.live() || (e.r.o.Requests > 0 && e.r.budget.Load() <= 0) {
			return // stopped for another reason than a lost connection
		}
		backoff := 100 * time.Millisecond
		for !e.live() {
			t := time.NewTimer(backoff/2 + time.Duration(rand.Int64N(int64(backoff))))
			select {
			case <-t.C:
			case <-stop:
				t.Stop()
				return
			}
			if !e.connect(ctx) {
				backoff = min(2*backoff, 5*time.Second)
			}
		}
	}
}

// connectLoop holds the connection for Hold, closes it and connects again,
// until stop closes (or a request budget of the other scenarios is spent).
func (e *endpoint) connectLoop(ctx context.Context, stop <-chan struct{}) {
	r := e.r
	// Spread the first churn over one hold period.
	wait := time.Duration(rand.Int64N(int64(r.o.Hold) + 1))
	for {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-stop:
			t.Stop()
			return
		}
		wait = r.o.Hold
		if r.o.Requests > 0 && r.budget.Load() <= 0 {
			return
		}
		e.disconnect()
		e.connect(ctx)
	}
}
