package kpc

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kaactl/kaactl/pkg/kaaconfig"
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

// size is what a reply counts against a session's byte budget.
func (o outbound) size() int { return len(o.topic) + len(o.payload) }

// sessionQueue bounds the replies buffered for a slow client; past it replies
// are dropped (and counted) rather than stalling every other session. The
// queue grows on demand: an idle session holds no buffer (with a channel of
// this size, 10,000 sessions pinned 480 MB).
const sessionQueue = 1024

// sessionLimits bound what one session may hold (from Options.DeviceLimits).
type sessionLimits struct {
	bytes        int           // reply bytes held: queued, being written or unacknowledged
	window       int           // QoS 1 replies written and not yet acknowledged
	inFlight     int32         // requests waiting for an extension
	writeTimeout time.Duration // how long a full window may wait for an acknowledgement
}

// Stop causes of a session whose replies could not be delivered.
var (
	// errAckTimeout: the client left a full window of replies
	// unacknowledged for the write timeout.
	errAckTimeout = errors.New("client did not acknowledge replies in time")
	// errWriteFailed wraps the error of a failed reply write.
	errWriteFailed = errors.New("reply write failed")
)

// session is one connected MQTT client. A client may act for many endpoints
// (a gateway), so it holds every token it has used.
type session struct {
	cl        *mqtt.Client
	auth      identity // who the client authenticated as; a takeover needs the same
	transport string   // kaaconfig.TransportTCP, TLS or WS: what tenant policies apply
	limits    sessionLimits
	requests  atomic.Int32 // requests waiting for an extension

	mu        sync.Mutex
	queue     []outbound              // replies for the writer, at most sessionQueue
	unwritten int                     // queued or being written (for the drain)
	held      int                     // reply bytes queued, being written or unacknowledged
	unacked   map[uint16]int          // packet id -> size of a QoS 1 reply not yet acknowledged
	writing   bool                    // a writer goroutine is running
	broken    bool                    // a write failed: the connection is going away
	byToken   map[string]*endpointRef // appName + "\x00" + token; nil until the first
	endpoints map[string]*endpointRef // endpointID; nil until the first
	closed    bool
	done      chan struct{}
	acked     chan struct{} // wakes a writer waiting for window room
	stats     sessionStats  // for the admin API
}

func newSession(cl *mqtt.Client, id identity, limits sessionLimits) *session {
	s := &session{
		cl:        cl,
		auth:      id,
		transport: transportOf(cl.Net.Listener),
		limits:    limits,
		done:      make(chan struct{}),
		acked:     make(chan struct{}, 1),
	}
	s.stats.start(time.Now())
	return s
}

// identity is who the session's client authenticated as.
func (s *session) identity() identity { return s.auth }

// MQTT listener IDs, as mochi reports them in Client.Net.Listener.
const (
	listenerTCP = "tcp"
	listenerTLS = "mqtts"
	listenerWS  = "ws"
	listenerWSS = "wss"
)

// transportOf is the tenant policy transport of a listener: secure
// WebSocket is the ws transport, as Kaa's ws behind a TLS-terminating
// ingress is.
func transportOf(listener string) string {
	switch listener {
	case listenerTLS:
		return kaaconfig.TransportTLS
	case listenerWS, listenerWSS, listenerHTTPS: // listenerHTTPS: MQTT over WebSocket on the HTTPS port
		return kaaconfig.TransportWS
	}
	return kaaconfig.TransportTCP
}

// appNames returns the applications of the endpoints the session acts for.
func (s *session) appNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[string]bool, 1)
	var out []string
	for _, ref := range s.byToken {
		if !seen[ref.appName] {
			seen[ref.appName] = true
			out = append(out, ref.appName)
		}
	}
	return out
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
	if s.byToken == nil { // most sessions never resolve a token: no maps until one does
		s.byToken = make(map[string]*endpointRef, 1)
		s.endpoints = make(map[string]*endpointRef, 1)
	}
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

// startRequest takes a place for a request waiting for an extension;
// endRequest gives it back once the request is answered.
func (s *session) startRequest() bool {
	if s.requests.Add(1) > s.limits.inFlight {
		s.requests.Add(-1)
		return false
	}
	return true
}

func (s *session) endRequest() { s.requests.Add(-1) }

// enqueue hands a reply to the session's writer without blocking. A reply
// over the count or byte budget is refused (the caller counts the drop),
// except that a session holding nothing takes any one reply.
func (s *session) enqueue(o outbound) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	size := o.size()
	if s.closed || s.broken || len(s.queue) >= sessionQueue || s.held > 0 && s.held+size > s.limits.bytes {
		return false
	}
	s.queue = append(s.queue, o)
	s.unwritten++
	s.held += size
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
// per busy session so that a stalled client only stalls itself. A failed
// write closes the connection: a session that can no longer be written to
// must not stay connected but mute.
func (s *session) writeLoop() {
	var batch []outbound
	for {
		var ok bool
		if batch, ok = s.take(batch); !ok {
			return
		}
		for i, o := range batch {
			if err := s.write(o); err != nil {
				s.fail(len(batch)-i, err)
				return
			}
			s.stats.sent(len(o.topic) + len(o.payload))
		}
	}
}

// write sends one reply. A QoS 1 reply waits for room in the client's
// window and stays held (against the byte budget) until acknowledged.
func (s *session) write(o outbound) error {
	var id uint16
	if o.qos > 0 {
		if err := s.waitWindow(); err != nil {
			return err
		}
		n, err := s.cl.NextPacketID()
		if err != nil {
			return err
		}
		id = uint16(n)
		s.mu.Lock()
		if s.unacked == nil {
			s.unacked = make(map[uint16]int)
		}
		s.held -= s.unacked[id] // an id mochi freed without an acknowledgement (see acknowledged)
		s.unacked[id] = o.size()
		s.mu.Unlock()
	}
	if err := writePublish(s.cl, o, id); err != nil {
		return err
	}
	s.mu.Lock()
	s.unwritten--
	if o.qos == 0 {
		s.held -= o.size()
	}
	s.mu.Unlock()
	return nil
}

func (s *session) windowRoom() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.unacked) < s.limits.window
}

// waitWindow returns once fewer than window QoS 1 replies are
// unacknowledged, or errAckTimeout when none is acknowledged for the write
// timeout.
func (s *session) waitWindow() error {
	if s.windowRoom() {
		return nil
	}
	timeout := time.NewTimer(s.limits.writeTimeout)
	defer timeout.Stop()
	for {
		select {
		case <-s.acked:
			if s.windowRoom() {
				return nil
			}
		case <-timeout.C:
			return errAckTimeout
		case <-s.done:
			return net.ErrClosed
		}
	}
}

// acknowledged releases a QoS 1 reply the client acknowledged (or mochi
// dropped). mochi keeps one in-flight table for both directions, so an id
// may also be the client's own publish: only ids of this session's replies
// count.
func (s *session) acknowledged(id uint16) {
	s.mu.Lock()
	size, ok := s.unacked[id]
	if ok {
		delete(s.unacked, id)
		s.held -= size
	}
	s.mu.Unlock()
	if ok {
		select {
		case s.acked <- struct{}{}:
		default:
		}
	}
}

// fail drops what is left to write and closes the connection; OnDisconnect
// then ends the session.
func (s *session) fail(unwritten int, err error) {
	s.mu.Lock()
	s.writing, s.broken = false, true
	s.unwritten -= unwritten + len(s.queue)
	s.queue = nil
	s.mu.Unlock()
	if !errors.Is(err, errAckTimeout) {
		err = fmt.Errorf("%w: %w", errWriteFailed, err)
	}
	s.cl.Stop(err)
}

// writePublish sends a PUBLISH straight to one client, bypassing subscription
// routing: Kaa's clients never subscribe, and nobody else may see it.
func writePublish(cl *mqtt.Client, o outbound, id uint16) error {
	pk := packets.Packet{
		FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: o.qos},
		TopicName:   o.topic,
		Payload:     o.payload,
		PacketID:    id,
		// mochi's inflight sweeper drops entries created over a day ago,
		// which, unset, is every one: the id would be reused while the
		// client still holds it.
		Created: time.Now().Unix(),
	}
	if o.qos > 0 && cl.State.Inflight.Set(pk) {
		cl.State.Inflight.DecreaseSendQuota()
	}
	return cl.WritePacket(pk)
}

// sessionRegistry indexes live sessions for replies, extension-initiated
// messages and revocation.
type sessionRegistry struct {
	mu            sync.RWMutex
	byClient      map[*mqtt.Client]*session
	byClientID    map[string]*session // the newest session of each client ID
	byEndpoint    setIndex[*session]
	byTokenID     setIndex[*session]
	byCredentials setIndex[*session] // identity.credentialsKey()
	revocations   revocationLog
}

// newSessionRegistry makes a registry that remembers revocations for
// revocationMemory (see revocationLog).
func newSessionRegistry(revocationMemory time.Duration) *sessionRegistry {
	return &sessionRegistry{
		byClient:      make(map[*mqtt.Client]*session),
		byClientID:    make(map[string]*session),
		byEndpoint:    setIndex[*session]{},
		byTokenID:     setIndex[*session]{},
		byCredentials: setIndex[*session]{},
		revocations:   newRevocationLog(revocationMemory),
	}
}

// revocationMark is what an admission takes before it asks a provider, for
// add and bind.
func (r *sessionRegistry) revocationMark() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.revocations.count
}

// add files a session; it reports false when the session's credentials were
// revoked after mark (its identity's), and the caller must close it.
func (r *sessionRegistry) add(s *session, mark uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byClient[s.cl] = s
	r.byClientID[s.cl.ID] = s
	key := s.auth.credentialsKey() // "" (anonymous) is neither indexed nor ever revoked
	r.byCredentials.add(key, s)
	return !r.revocations.since(key, mark)
}

// mayTakeOver reports whether a client authenticated as id may use
// clientID: when a session already has it, only the same identity may take
// it over (replies and in-flight messages are never handed over anyway).
func (r *sessionRegistry) mayTakeOver(clientID string, id identity) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s := r.byClientID[clientID]
	return s == nil || s.auth.same(id)
}

// all returns every live session.
func (r *sessionRegistry) all() []*session {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*session, 0, len(r.byClient))
	for _, s := range r.byClient {
		out = append(out, s)
	}
	return out
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

// bind files a live session under the endpoint and token of ref; it
// reports false when the token was revoked after mark, taken before the
// token was resolved, and the caller must close the session.
func (r *sessionRegistry) bind(s *session, ref *endpointRef, mark uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, live := r.byClient[s.cl]; !live {
		return true
	}
	r.byEndpoint.add(ref.endpointID, s)
	r.byTokenID.add(ref.tokenID, s)
	return !r.revocations.since(revokedTokenKey(ref.tokenID), mark)
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
	if r.byClientID[cl.ID] == s {
		delete(r.byClientID, cl.ID)
	}
	r.byCredentials.drop(s.auth.credentialsKey(), s)
	s.mu.Lock()
	for _, ref := range s.byToken {
		r.byEndpoint.drop(ref.endpointID, s)
		r.byTokenID.drop(ref.tokenID, s)
	}
	s.mu.Unlock()
	return s
}

// forEndpoint returns the sessions acting for an endpoint.
func (r *sessionRegistry) forEndpoint(endpointID string) []*session {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byEndpoint.values(endpointID)
}

// revokeTokenIDs records the token IDs as revoked (for admissions in
// flight) and returns the sessions using them, to be closed.
func (r *sessionRegistry) revokeTokenIDs(ids []string) []*session {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = revokedTokenKey(id)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.revocations.add(time.Now(), keys)
	return r.lookupLocked(r.byTokenID, ids)
}

// revokeCredentials records the credentials of identity.credentialsKey key
// as revoked (for admissions in flight) and returns the sessions that
// authenticated with them, to be closed.
func (r *sessionRegistry) revokeCredentials(key string) []*session {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.revocations.add(time.Now(), []string{key})
	return r.lookupLocked(r.byCredentials, []string{key})
}

// lookupLocked returns the sessions of index under any of keys, once each;
// the caller holds r.mu.
func (r *sessionRegistry) lookupLocked(index setIndex[*session], keys []string) []*session {
	seen := make(map[*session]struct{})
	var out []*session
	for _, k := range keys {
		for _, s := range index.values(k) {
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
