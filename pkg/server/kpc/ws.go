package kpc

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mochi-mqtt/server/v2/listeners"

	"github.com/kaactl/kaactl/pkg/server/httpx"
)

// WSPath is the HTTP path of MQTT over WebSocket (Kaa's).
const WSPath = "/ws"

// wsListener is MQTT over WebSocket on WSPath only, over TLS when it has a
// tls config (secure WebSocket). mochi's own websocket listener upgrades on
// every path and binds only when it starts serving, so it can neither be
// restricted to /ws nor report a port chosen by ":0" nor fail Start on a
// busy port; this one binds in Init.
type wsListener struct {
	wsEndpoint
	boundAddr
	tls       *tls.Config // nil: plain WebSocket
	srv       *http.Server
	establish listeners.EstablishFn // set by Serve before srv serves
	conns     connSet               // upgraded connections, so that Close waits for them
	once      sync.Once
}

var _ listeners.Listener = (*wsListener)(nil)

func newWSListener(id, addr string, tlsConfig *tls.Config, limits *connLimits) *wsListener {
	if tlsConfig != nil {
		tlsConfig = tlsConfig.Clone()
		tlsConfig.NextProtos = []string{"http/1.1"} // a WebSocket upgrade is HTTP/1.1
	}
	return &wsListener{wsEndpoint: newWSEndpoint(id, limits), boundAddr: boundAddr{addr: addr}, tls: tlsConfig}
}

// wsEndpoint upgrades requests to MQTT over WebSocket and hands the
// connections to mochi as clients of listener id.
type wsEndpoint struct {
	id       string
	limits   *connLimits
	log      *slog.Logger
	upgrader websocket.Upgrader
}

func newWSEndpoint(id string, limits *connLimits) wsEndpoint {
	return wsEndpoint{
		id: id, limits: limits, log: limits.log,
		upgrader: websocket.Upgrader{
			Subprotocols: []string{"mqtt"},
			// Devices are not browsers and no cookie authenticates them: any origin.
			CheckOrigin: func(*http.Request) bool { return true },
		},
	}
}

// serve upgrades r and serves the MQTT client until it ends. w's Hijack
// must hand out a *boundedConn: the connection holds a slot and its writes
// have deadlines.
func (e *wsEndpoint) serve(w http.ResponseWriter, r *http.Request, establish listeners.EstablishFn) {
	if refuseNonUpgrade(w, r) {
		return
	}
	c, err := e.upgrader.Upgrade(w, r, nil) // writes the error response itself
	if err != nil {
		return
	}
	defer c.Close()
	under := c.NetConn()
	if tc, ok := under.(*tls.Conn); ok {
		under = tc.NetConn()
	}
	if bc, ok := under.(*boundedConn); ok {
		bc.awaitConnect() // the hijack cleared it
	}
	dc := &deviceConn{Conn: &wsConn{Conn: c.NetConn(), c: c}}
	err = establish(e.id, dc)
	e.limits.ended(e.id, dc, err)
	if err != nil && !errors.Is(err, io.EOF) {
		e.log.Debug("websocket client ended", "error", err)
	}
}

// refuseNonUpgrade answers 400 to a request that is no WebSocket upgrade.
func refuseNonUpgrade(w http.ResponseWriter, r *http.Request) bool {
	if websocket.IsWebSocketUpgrade(r) {
		return false
	}
	writeKPError(w, http.StatusBadRequest, "MQTT over WebSocket: this path takes WebSocket upgrades only")
	return true
}

func (l *wsListener) ID() string       { return l.id }
func (l *wsListener) Protocol() string { return "ws" }

func (l *wsListener) Init(*slog.Logger) error {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return err
	}
	l.ln = &limitedListener{Listener: ln, limits: l.limits, id: l.id}
	if l.tls != nil {
		// Under TLS, so that the handshake counts against the slot and
		// the deadlines too; net/http bounds it by ReadHeaderTimeout.
		l.ln = tls.NewListener(l.ln, l.tls)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+WSPath, func(w http.ResponseWriter, r *http.Request) {
		l.serve(w, r, func(id string, c net.Conn) error {
			bc := boundedOf(c)
			if bc == nil || !l.conns.add(bc) { // Close came first: mochi may be gone
				return net.ErrClosed
			}
			defer l.conns.done(bc)
			return l.establish(id, c)
		})
	})
	// The upgrade request must come within the CONNECT deadline too.
	l.srv = &http.Server{Handler: httpx.JSONErrors(mux), ReadHeaderTimeout: l.limits.connectTimeout}
	return nil
}

// limitedListener gives every accepted connection a slot of the replica's
// MQTT connection budget (or closes it) and its write deadline.
type limitedListener struct {
	net.Listener
	limits *connLimits
	id     string
}

func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if bc, ok := l.limits.admit(c, l.id); ok {
			return bc, nil
		}
	}
}

func (l *wsListener) Serve(establish listeners.EstablishFn) {
	l.establish = establish
	if err := l.srv.Serve(l.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		l.log.Error("websocket listener stopped", "error", err)
	}
}

// Close closes clients only the first time, like listeners.TCP: Shutdown
// closes the listeners before mochi's Close does (see closeMQTT).
func (l *wsListener) Close(closeClients listeners.CloseFn) {
	l.once.Do(func() {
		l.conns.close()
		if l.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = l.srv.Shutdown(ctx) // upgraded connections are hijacked: closeClients ends them
			_ = l.ln.Close()        // in case Serve never ran
		}
		closeClients(l.id)
		l.conns.end() // upgraded connections still before CONNECT, and the handlers
	})
}

// boundedOf finds the boundedConn under a WebSocket client connection
// (deviceConn over wsConn, over TLS for secure WebSocket).
func boundedOf(c net.Conn) *boundedConn {
	for {
		switch cc := c.(type) {
		case *boundedConn:
			return cc
		case *deviceConn:
			c = cc.Conn
		case *wsConn:
			c = cc.Conn
		case *tls.Conn:
			c = cc.NetConn()
		default:
			return nil
		}
	}
}

// wsConn is a net.Conn over binary WebSocket messages: MQTT packets may span
// or share messages, so reads continue across message boundaries.
type wsConn struct {
	net.Conn
	c *websocket.Conn
	r io.Reader // current message; nil between messages
}

func (ws *wsConn) Read(p []byte) (int, error) {
	for {
		if ws.r == nil {
			op, r, err := ws.c.NextReader()
			if err != nil {
				return 0, err
			}
			if op != websocket.BinaryMessage {
				return 0, errors.New("websocket: MQTT needs binary messages")
			}
			ws.r = r
		}
		n, err := ws.r.Read(p)
		if errors.Is(err, io.EOF) {
			ws.r = nil
			err = nil
		}
		if n > 0 || err != nil || len(p) == 0 {
			return n, err
		}
	}
}

func (ws *wsConn) Write(p []byte) (int, error) {
	if err := ws.c.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}
