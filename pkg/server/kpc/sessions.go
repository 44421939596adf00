package kpc

import (
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// endpointRef is an endpoint token resolved within one session.
type endpointRef struct {
	appName    string
	appVersion string
	token      string
	tokenID    string
	endpointID string
}

// outbound is one reply waiting for a session's writer.
type outbound struct {
	topic   string
	qos     byte
	payload []byte
}

// sessionQueue bounds the replies buffered for a slow client; past it replies
// are dropped (and counted) rather than stalling every other session. The
// queue grows on demand: an idle session holds no buffer (with a channel of
// this size, 10,000 sessions pinned 480 MB).
const sessionQueue = 1024

// session is one connected MQTT client. A client may act for many endpoints
// (a gateway), so it holds every token it has used.
type session struct {
	cl *mqtt.Client

	mu        sync.Mutex
	queue     []outbound              // replies for the writer, at most sessionQueue
	unwritten int                     // queued or being written (for the drain)
	writing   bool                    // a writer goroutine is running
	broken    bool                    // a write failed: the connection is going away
	byToken   map[string]*endpointRef // appName + "\x00" + token
	endpoints map[string]*endpointRef // endpointID
	closed    bool
	done      chan struct{}
	stats     sessionStats // for the admin API
}

func newSession(cl *mqtt.Client) *session {
	s := &session{
		cl:        cl,
		byToken:   make(map[string]*endpointRef),
		endpoints: make(map[string]*endpointRef),
		done:      make(chan struct{}),
	}
	s.stats.start(time.Now())
	return s
}

func tokenKey(appName, token string) string { return appName + "\x00" + token }

func (s *session) cached(appName, token string) *endpointRef {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byToken[tokenKey(appName, token)]
}

// remember stores a resolved token and reports whether its endpoint is new to
// this session (the moment an ELCE connected event is due).
func (s *session) remember(ref *endpointRef) (newEndpoint bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byToken[tokenKey(ref.appName, ref.token)] = ref
	if _, ok := s.endpoints[ref.endpointID]; ok {
		return false
	}
	s.endpoints[ref.endpointID] = ref
	return true
}

// endpoint returns the token this session uses for an endpoint.
func (s *session) endpoint(endpointID string) *endpointRef {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endpoints[endpointID]
}

// enqueue hands a reply to the session's writer without blocking.
func (s *session) enqueue(o outbound) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.broken || len(s.queue) >= sessionQueue {
		return false
	}
	s.queue = append(s.queue, o)
	s.unwritten++
	if !s.writing {
		s.writing = true
		go s.writeLoop()
	}
	return true
}

// take hands the writer everything queued, reusing the previous batch's
// array for the next queue. With nothing queued (or the session closed) it
// returns false and the writer ends: idle sessions hold no goroutine.
func (s *session) take(prev []outbound) ([]outbound, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.queue) == 0 {
		s.writing = false
		return nil, false
	}
	batch := s.queue
	if cap(prev) > 0 && cap(prev) <= 64 {
		clear(prev)
		s.queue = prev[:0]
	} else {
		s.queue = nil // let a burst's large array go
	}
	return batch, true
}

func (s *session) written(n int) {
	s.mu.Lock()
	s.unwritten -= n
	s.mu.Unlock()
}

func (s *session) pendingWrites() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unwritten
}

// close stops the writer and returns the endpoints the session acted for.
func (s *session) close() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	close(s.done)
	eps := make(map[string]string, len(s.endpoints))
	for id, ref := range s.endpoints {
		eps[id] = ref.appVersion
	}
	return eps
}

// writeLoop writes replies to the client while there are any, one goroutine
// per busy session so that a stalled client only stalls itself.
func (s *session) writeLoop() {
	var batch []outbound
	for {
		var ok bool
		if batch, ok = s.take(batch); !ok {
			return
		}
		for i, o := range batch {
			if err := writePublish(s.cl, o); err != nil {
				s.written(len(batch) - i)
				s.mu.Lock()
				s.writing, s.broken = false, true // OnDisconnect closes the session
				s.unwritten -= len(s.queue)
				s.queue = nil
				s.mu.Unlock()
				return
			}
			s.stats.sent(len(o.topic) + len(o.payload))
		}
		s.written(len(batch))
	}
}

// writePublish sends a PUBLISH straight to one client, bypassing subscription
// routing: Kaa's clients never subscribe, and nobody else may see it.
func writePublish(cl *mqtt.Client, o outbound) error {
	pk := packets.Packet{
		FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: o.qos},
		TopicName:   o.topic,
		Payload:     o.payload,
	}
	if o.qos > 0 {
		id, err := cl.NextPacketID()
		if err != nil {
			return err
		}
		pk.PacketID = uint16(id)
		if cl.State.Inflight.Set(pk) {
			cl.State.Inflight.DecreaseSendQuota()
		}
	}
	return cl.WritePacket(pk)
}

// sessionRegistry indexes live sessions for replies, extension-initiated
// messages and revocation.
type sessionRegistry struct {
	mu         sync.RWMutex
	byClient   map[*mqtt.Client]*session
	byEndpoint map[string]map[*session]struct{}
	byTokenID  map[string]map[*session]struct{}
}

func newSessionRegistry() *sessionRegistry {
	return &sessionRegistry{
		byClient:   make(map[*mqtt.Client]*session),
		byEndpoint: make(map[string]map[*session]struct{}),
		byTokenID:  make(map[string]map[*session]struct{}),
	}
}

func (r *sessionRegistry) add(s *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byClient[s.cl] = s
}

func (r *sessionRegistry) get(cl *mqtt.Client) *session {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byClient[cl]
}

func (r *sessionRegistry) len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.byClient)
}

func addIndex(m map[string]map[*session]struct{}, key string, s *session) {
	if key == "" {
		return
	}
	set := m[key]
	if set == nil {
		set = make(map[*session]struct{})
		m[key] = set
	}
	set[s] = struct{}{}
}

func dropIndex(m map[string]map[*session]struct{}, key string, s *session) {
	if set := m[key]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(m, key)
		}
	}
}

// bind indexes a resolved endpoint of a session.
func (r *sessionRegistry) bind(s *session, ref *endpointRef) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, live := r.byClient[s.cl]; !live {
		return
	}
	addIndex(r.byEndpoint, ref.endpointID, s)
	addIndex(r.byTokenID, ref.tokenID, s)
}

// remove forgets a session and all its indexes.
func (r *sessionRegistry) remove(cl *mqtt.Client) *session {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.byClient[cl]
	if s == nil {
		return nil
	}
	delete(r.byClient, cl)
	s.mu.Lock()
	for _, ref := range s.byToken {
		dropIndex(r.byEndpoint, ref.endpointID, s)
		dropIndex(r.byTokenID, ref.tokenID, s)
	}
	s.mu.Unlock()
	return s
}

// forEndpoint returns the sessions acting for an endpoint.
func (r *sessionRegistry) forEndpoint(endpointID string) []*session {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*session, 0, len(r.byEndpoint[endpointID]))
	for s := range r.byEndpoint[endpointID] {
		out = append(out, s)
	}
	return out
}

// forTokenIDs returns the sessions using any of the token IDs.
func (r *sessionRegistry) forTokenIDs(ids []string) []*session {
	r.mu.RLock()
	defer r.mu.RUnlock()
	seen := make(map[*session]struct{})
	var out []*session
	for _, id := range ids {
		for s := range r.byTokenID[id] {
			if _, dup := seen[s]; !dup {
				seen[s] = struct{}{}
				out = append(out, s)
			}
		}
	}
	return out
}

// queued counts replies not yet written, so a drain can wait for them.
func (r *sessionRegistry) queued() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n := 0
	for _, s := range r.byClient {
		n += s.pendingWrites()
	}
	return n
}
