package sim

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

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
	once      bool          // a connection came up at least once
	lostEarly uint64        // a connection lost before connect marked it live
	lostCh    chan struct{} // closed when lost turns true
	done      chan struct{} // a load request finished (closed loop wakes on it)
	timed     *timedLoop    // the kp loop at a fixed rate, ended when the connection is lost
}

func newEndpoint(r *run, i int) *endpoint {
	lost := make(chan struct{})
	close(lost)
	e := &endpoint{r: r, i: i, token: r.o.Tokens(i), scen: r.scenarios[i], pending: map[uint64]call{},
		lost: true, lostCh: lost, done: make(chan struct{}, 1)}
	switch {
	case r.static != nil:
		e.payload = r.static
	case !r.payload.perRequest:
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
			r.failWith(connectErrorKind(err), 1, err.Error())
		}
		return false
	}
	r.connHist.record(time.Since(start))
	e.mu.Lock()
	if e.lostEarly == gen { // lost between the CONNACK and here: lose ignored it
		e.mu.Unlock()
		c.close()
		r.lost.Add(1)
		r.failWith("disconnected", 1, "connection lost right after connecting")
		return false
	}
	e.c, e.lost, e.lostCh, e.once = c, false, make(chan struct{}), true
	e.mu.Unlock()
	r.connects.Add(1)
	r.connected.Add(1)
	return true
}

// connectErrorKind names why a connection failed: auth_<reason> when the
// server refused the client's credentials (CONNACK 4 or 5) or its
// certificate (a TLS alert), "connect" otherwise.
func connectErrorKind(err error) string {
	var op *net.OpError
	switch {
	case errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword):
		return "auth_bad_credentials"
	case errors.Is(err, packets.ErrorRefusedNotAuthorised):
		return "auth_not_authorized"
	case errors.As(err, &op) && op.Op == "remote error": // the server's TLS alert: certificate refused
		return "auth_certificate"
	}
	return "connect"
}

// connectKinds are the error kinds of failed connections.
var connectKinds = []string{"connect", "auth_bad_credentials", "auth_not_authorized", "auth_certificate"}

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
	timed := e.timed
	e.mu.Unlock()
	defer func() {
		close(lostCh)
		if timed != nil {
			timed.end()
		}
	}()
	e.r.connected.Add(-1)
	e.r.lost.Add(1)
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

// connectedOnce reports whether a connection of e came up at least once.
func (e *endpoint) connectedOnce() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.once
}

func (e *endpoint) live() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return !e.lost
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
		e.r.gate.leave(e.scen) // while it reconnects, it holds no scenario back
		ok := e.reconnect(ctx, stop)
		e.r.gate.enter(e.scen)
		if !ok {
			return
		}
	}
}

// reconnect connects again with backoff until it succeeds (true) or stop
// closes (false).
func (e *endpoint) reconnect(ctx context.Context, stop <-chan struct{}) bool {
	backoff := 100 * time.Millisecond
	for !e.live() {
		t := time.NewTimer(backoff/2 + time.Duration(rand.Int64N(int64(backoff))))
		select {
		case <-t.C:
		case <-stop:
			t.Stop()
			return false
		}
		if !e.connect(ctx) {
			backoff = min(2*backoff, 5*time.Second)
		}
	}
	return true
}
