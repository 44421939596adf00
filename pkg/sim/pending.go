package sim

import (
	"encoding/json"
	"strconv"
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
