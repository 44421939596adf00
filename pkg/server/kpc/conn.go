package kpc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kaactl/kaactl/internal/workpool"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// connLimits are shared by every MQTT listener of a replica: one budget of
// connections and the same deadlines whatever the transport.
type connLimits struct {
	max            int64
	open           atomic.Int64
	connectTimeout time.Duration
	tlsTimeout     time.Duration
	writeTimeout   time.Duration
	metrics        *metrics
	log            *slog.Logger
	// release is called once mochi is done with a connection.
	release func(*deviceConn)
}

// admit takes a connection slot for a freshly accepted connection, or
// closes it (counted) when every slot is taken: refusing before reading a
// byte is the only answer that costs nothing.
func (l *connLimits) admit(c net.Conn, listener string) (*boundedConn, bool) {
	if !l.take(listener, c.RemoteAddr().String()) {
		_ = c.Close()
		return nil, false
	}
	return l.bound(c), true
}

// take claims a connection slot, or counts and logs the refusal when every
// slot is taken.
func (l *connLimits) take(listener, remote string) bool {
	if l.open.Add(1) > l.max {
		l.open.Add(-1)
		l.metrics.closed.WithLabelValues(reasonMaxConnections).Inc()
		l.log.Info("mqtt connection refused: too many connections", "listener", listener, "remote", remote, "max", l.max)
		return false
	}
	return true
}

// bound wraps a connection holding a slot (take); its Close gives the slot back.
func (l *connLimits) bound(c net.Conn) *boundedConn {
	bc := &boundedConn{Conn: c, limits: l, accepted: time.Now()}
	bc.awaitConnect()
	return bc
}

// ended releases what a connection left and counts one that ended before
// its CONNECT was accepted; sessions are counted by the hook's OnDisconnect.
func (l *connLimits) ended(listener string, dc *deviceConn, err error) {
	if l.release != nil {
		l.release(dc)
	}
	if err == nil || dc.connected.Load() {
		return
	}
	reason := ""
	switch {
	case isTimeout(err):
		reason = reasonConnectTimeout
	case errors.Is(err, packets.ErrPacketTooLarge):
		reason = reasonPacketTooLarge
	case errors.As(err, new(packets.Code)):
		reason = reasonProtocol
	default:
		return // the peer hung up
	}
	l.metrics.closed.WithLabelValues(reason).Inc()
	l.log.Info("mqtt connection closed before CONNECT", "listener", listener, "remote", dc.RemoteAddr().String(), "reason", reason)
}

// writeChunk is the most written under one deadline: a peer that takes a
// large reply slowly but steadily is not cut off, one that stops reading is.
const writeChunk = 64 << 10

// boundedConn is an accepted connection holding a slot: every write has a
// deadline, and mochi's deadlines (from the keepalive) apply to reads only.
// It sits under TLS and WebSocket framing, so it bounds their writes too.
type boundedConn struct {
	net.Conn
	limits   *connLimits
	accepted time.Time
	once     sync.Once
}

// awaitConnect sets the deadline for a complete CONNECT, counted from
// accept; mochi replaces it with the keepalive's once CONNECT is read.
func (c *boundedConn) awaitConnect() {
	_ = c.Conn.SetReadDeadline(c.accepted.Add(c.limits.connectTimeout))
}

func (c *boundedConn) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		chunk := p[n:min(len(p), n+writeChunk)]
		if err := c.Conn.SetWriteDeadline(time.Now().Add(c.limits.writeTimeout)); err != nil {
			return n, err
		}
		m, err := c.Conn.Write(chunk)
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// SetDeadline sets the read deadline only: writes keep their own.
func (c *boundedConn) SetDeadline(t time.Time) error { return c.Conn.SetReadDeadline(t) }

// SetWriteDeadline is ignored for the same reason (gorilla's websocket and
// net/http clear write deadlines).
func (c *boundedConn) SetWriteDeadline(time.Time) error { return nil }

func (c *boundedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.limits.open.Add(-1) })
	return err
}

// deviceConn is the connection mochi reads and writes (TCP, TLS or
// WebSocket over a boundedConn), carrying what KPC learns about it before
// its session exists.
type deviceConn struct {
	net.Conn
	connected atomic.Bool       // CONNECT was read and passed mochi's checks
	cert      *x509.Certificate // MQTT/TLS: the client certificate, verified against ClientCA
	identity  identity          // who the client authenticated as; see Server.authenticate
	session   *session          // once mochi establishes it
}

// connOf returns a client's deviceConn; nil for clients without one (tests).
func connOf(c net.Conn) *deviceConn {
	dc, _ := c.(*deviceConn)
	return dc
}

// deviceListener is MQTT over TCP or TLS with the replica's connection
// limits. mochi's listeners.TCP has none: it handshakes TLS lazily in the
// first read, under no deadline, and reads CONNECT under none either.
//
// A connection's handshakes (TLS, then CONNECT and its authentication) run
// on a pool of handshake workers, and mochi reads the established client's
// packets on a goroutine of its own (EstablishConnectionAsync, patched into
// third_party/mochi). The handshakes grow a goroutine's stack to 16 KiB or
// more; on a worker that stack is reused by the next connection, while the
// goroutine that stays with an idle client keeps a small one. On a machine
// where a page fault costs 10–25 µs, fresh stack pages were the largest
// part of a connect (docs/ARCHITECTURE.md, BENCHMARKS.md).
type deviceListener struct {
	boundAddr
	id      string
	tls     *tls.Config
	limits  *connLimits
	conns   connSet
	workers *workpool.Pool // handshakes
	// establish is mochi's EstablishConnectionAsync; nil: the EstablishFn
	// that mochi gives Serve, on the connection's own goroutine.
	establish func(listener string, c net.Conn, ended func(error))
}

var _ listeners.Listener = (*deviceListener)(nil)

// newDeviceListener's establish is mochi's EstablishConnectionAsync, or nil
// (see deviceListener.establish).
func newDeviceListener(id, addr string, tlsConfig *tls.Config, limits *connLimits, establish func(string, net.Conn, func(error))) *deviceListener {
	return &deviceListener{boundAddr: boundAddr{addr: addr}, id: id, tls: tlsConfig, limits: limits,
		workers: workpool.New(handshakeIdle), establish: establish}
}

// boundAddr is a listener's address: the configured one until Init binds
// ln, then the bound one (":0" becomes a port).
type boundAddr struct {
	addr string
	ln   net.Listener
}

func (b *boundAddr) Address() string {
	if b.ln != nil {
		return b.ln.Addr().String()
	}
	return b.addr
}

func (l *deviceListener) ID() string       { return l.id }
func (l *deviceListener) Protocol() string { return "tcp" }

func (l *deviceListener) Init(*slog.Logger) error {
	// No TCP keepalive: the MQTT keepalive, which KPC clamps and never lets
	// be zero, closes a half-open connection, and Go's keepalive costs four
	// setsockopt calls on every accept.
	lc := net.ListenConfig{KeepAliveConfig: net.KeepAliveConfig{Enable: false}, KeepAlive: -1}
	ln, err := lc.Listen(context.Background(), "tcp", l.addr)
	if err != nil {
		return err
	}
	l.ln = ln
	return nil
}

func (l *deviceListener) Serve(establish listeners.EstablishFn) {
	var backoff time.Duration
	for {
		c, err := l.ln.Accept()
		if err != nil {
			if l.conns.isClosed() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: like net/http, wait and retry.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			l.limits.log.Warn("mqtt accept failed", "listener", l.id, "error", err, "retry_in", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		bc, ok := l.limits.admit(c, l.id)
		if !ok {
			continue
		}
		if !l.conns.add(bc) {
			_ = bc.Close()
			return
		}
		if l.establish == nil {
			go l.serveConn(bc, func(listener string, c net.Conn, ended func(error)) { ended(establish(listener, c)) })
			continue
		}
		l.workers.Go(func() { l.serveConn(bc, l.establish) })
	}
}

// serveConn handshakes TLS (on MQTT/TLS) and has mochi establish the
// client; the connection is done once establish calls ended.
func (l *deviceListener) serveConn(bc *boundedConn, establish func(string, net.Conn, func(error))) {
	dc := &deviceConn{Conn: bc}
	if l.tls != nil {
		tc := tls.Server(bc, l.tls)
		ctx, cancel := context.WithTimeout(context.Background(), l.limits.tlsTimeout)
		err := tc.HandshakeContext(ctx) // closes bc when ctx ends first
		cancel()
		if err != nil {
			reason, msg := reasonTLSHandshake, "mqtt tls handshake failed"
			if errors.As(err, new(*tls.CertificateVerificationError)) {
				reason, msg = reasonClientCert, "mqtt client certificate refused"
			}
			l.limits.metrics.closed.WithLabelValues(reason).Inc()
			l.limits.log.Info(msg, "listener", l.id, "remote", bc.RemoteAddr().String(), "error", err)
			l.conns.done(bc)
			return
		}
		dc.Conn = tc
		if st := tc.ConnectionState(); len(st.VerifiedChains) > 0 {
			dc.cert = st.PeerCertificates[0]
		}
	}
	establish(l.id, dc, func(err error) {
		l.limits.ended(l.id, dc, err)
		l.conns.done(bc)
	})
}

// handshakeIdle is how long a handshake worker waits for the next
// connection before it ends.
const handshakeIdle = 10 * time.Second

// Close stops accepting, has mochi disconnect its clients, closes the
// connections still before CONNECT (or in their TLS handshake), and returns
// once every connection goroutine has ended, so that none calls mochi's
// establish after mochi's Close.
func (l *deviceListener) Close(closeClients listeners.CloseFn) {
	if !l.conns.close() {
		return
	}
	if l.ln != nil {
		_ = l.ln.Close()
	}
	closeClients(l.id)
	l.conns.end()
}

// connSet is a listener's connections from accept until mochi's establish
// returns, so that its Close can end those still before CONNECT (or in a
// TLS handshake), which mochi does not know of yet, and wait for them: none
// may call establish after mochi's Close.
type connSet struct {
	mu     sync.Mutex
	closed bool
	conns  map[*boundedConn]struct{}
	wg     sync.WaitGroup // one per connection in conns
}

// add registers a connection unless the set is closed.
func (s *connSet) add(bc *boundedConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[*boundedConn]struct{})
	}
	s.conns[bc] = struct{}{}
	s.wg.Add(1)
	return true
}

// done closes an added connection and forgets it.
func (s *connSet) done(bc *boundedConn) {
	_ = bc.Close()
	s.mu.Lock()
	delete(s.conns, bc)
	s.mu.Unlock()
	s.wg.Done()
}

func (s *connSet) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// close refuses further connections; false when it was closed already.
func (s *connSet) close() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.closed = true
	return true
}

// end closes the connections still open and waits until every one is done.
func (s *connSet) end() {
	s.mu.Lock()
	for bc := range s.conns {
		_ = bc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// releaseSlot gives back a slot taken without a connection to close.
func (l *connLimits) releaseSlot() { l.open.Add(-1) }
