package kpc

import (
	"bufio"
	"log/slog"
	"net"
	"net/http"
	"sync"

	"github.com/mochi-mqtt/server/v2/listeners"
)

// listenerHTTPS is the mochi listener of MQTT over WebSocket on a port that
// serves other HTTP too (KPC's HTTPS, `kaactl up`'s cloud layout).
const listenerHTTPS = "https"

// wsMount is MQTT over WebSocket as an http.Handler (WSHandler), for a
// port that serves other HTTP too, registered with mochi as a listener that
// opens no socket. A connection takes its slot of the MQTT connection
// budget at the upgrade instead of at accept: the port's other requests
// are no MQTT connections.
type wsMount struct {
	wsEndpoint
	conns connSet

	mu        sync.Mutex
	establish listeners.EstablishFn // nil until mochi serves (open)
}

var (
	_ listeners.Listener = (*wsMount)(nil)
	_ http.Handler       = (*wsMount)(nil)
)

func newWSMount(limits *connLimits) *wsMount {
	return &wsMount{wsEndpoint: newWSEndpoint(listenerHTTPS, limits)}
}

// open makes the handler hand connections to establish. Set by KPC's Start
// rather than by Serve, which mochi calls in a goroutine of its own: the
// handler works as soon as Start returns.
func (m *wsMount) open(establish listeners.EstablishFn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.establish = establish
}

func (m *wsMount) establishFn() listeners.EstablishFn {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.establish
}

func (m *wsMount) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	establish := m.establishFn()
	switch {
	case refuseNonUpgrade(w, r): // before it takes a slot
		return
	case establish == nil:
		writeKPError(w, http.StatusNotFound, "MQTT over WebSocket is not enabled on this replica")
		return
	case m.conns.isClosed():
		writeKPError(w, http.StatusServiceUnavailable, "server is shutting down")
		return
	case !m.limits.take(m.id, r.RemoteAddr):
		writeKPError(w, http.StatusServiceUnavailable, "too many connections")
		return
	}
	hw := &boundingHijacker{ResponseWriter: w, m: m}
	m.serve(hw, r, func(id string, c net.Conn) error {
		if !m.conns.add(hw.bc) { // Close came first: mochi may be gone
			return net.ErrClosed
		}
		defer m.conns.done(hw.bc)
		return establish(id, c)
	})
	if hw.bc == nil { // refused before the hijack
		m.limits.releaseSlot()
	}
}

// boundingHijacker hands gorilla's Hijack the connection as a boundedConn
// holding the slot its request took.
type boundingHijacker struct {
	http.ResponseWriter
	m  *wsMount
	bc *boundedConn
}

func (h *boundingHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.bc = h.m.limits.bound(c)
	return h.bc, brw, nil
}

func (m *wsMount) ID() string              { return m.id }
func (m *wsMount) Protocol() string        { return "wss" }
func (m *wsMount) Address() string         { return "mounted on HTTPS" }
func (m *wsMount) Init(*slog.Logger) error { return nil }

// Serve does nothing: connections come through ServeHTTP (see open).
func (m *wsMount) Serve(listeners.EstablishFn) {}

// Close refuses new upgrades, has mochi disconnect this listener's
// clients, ends the connections still before CONNECT and waits for them.
func (m *wsMount) Close(closeClients listeners.CloseFn) {
	if !m.conns.close() {
		return
	}
	closeClients(m.id)
	m.conns.end()
}
