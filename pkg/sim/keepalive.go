package sim

import (
	"bufio"
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// keepAlive is the MQTT keep-alive every endpoint asks for in its CONNECT.
const keepAlive = 60 * time.Second

// errPingTimeout is why a connection whose PINGREQ went unanswered is lost.
var errPingTimeout = errors.New("no PINGRESP in time: connection given up")

// netConn is an endpoint's network connection under paho. paho's own
// keep-alive is a goroutine and a 5s ticker per client, a quarter of what
// an idle client costs; the run's one keeper pings for all of them instead.
// paho is told keep-alive 0 (so it starts no pinger) and netConn writes the
// real keep-alive into the CONNECT packet, notes reads and writes, and lets
// the keeper write a PINGREQ between paho's packets.
type netConn struct {
	net.Conn
	r *bufio.Reader // nil: reads go to Conn (TLS and WebSocket buffer their own)

	wmu         sync.Mutex // paho's writes and the keeper's pings, a packet at a time
	connectSent bool       // under wmu
	held        []byte     // PUBACKs not written yet, under wmu (see Write)
	heldBuf     [4 * 4]byte
	flush       *time.Timer // writes held PUBACKs that no packet took along

	wrote, read atomic.Bool // since the keeper's last sweep
	closed      atomic.Bool
	timedOut    atomic.Bool // the keeper gave the connection up

	// The keeper's own, touched only by its sweeps.
	idleSweeps int // sweeps in a row without a write
	pingAt     int // sweep count when the outstanding PINGREQ went out (0: none)
	quietReads int // sweeps in a row without a read since the ping
}

func (c *netConn) Read(p []byte) (int, error) {
	var n int
	var err error
	if c.r != nil {
		n, err = c.r.Read(p)
	} else {
		n, err = c.Conn.Read(p)
	}
	if n > 0 && !c.read.Load() {
		c.read.Store(true)
	}
	return n, err
}

// Write writes paho's packets. A PUBACK (of a QoS 1 reply) waits up to
// holdAcks for the next packet and goes out with it in one write: in a
// closed loop that is the next request, which the reply has just released,
// so each request costs the simulator one write instead of two (and KPC a
// read).
func (c *netConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if !c.connectSent {
		c.connectSent = true
		if q, ok := withKeepAlive(p, uint16(keepAlive/time.Second)); ok {
			p = q
		}
	}
	if !c.wrote.Load() {
		c.wrote.Store(true)
	}
	if isPuback(p) && len(c.held)+len(p) <= len(c.heldBuf) {
		if len(c.held) == 0 {
			c.held = c.heldBuf[:0]
			if c.flush == nil {
				c.flush = time.AfterFunc(holdAcks, c.writeHeld)
			} else {
				c.flush.Reset(holdAcks)
			}
		}
		c.held = append(c.held, p...)
		return len(p), nil
	}
	if len(c.held) == 0 {
		return c.Conn.Write(p)
	}
	c.flush.Stop()
	bufs := net.Buffers{c.held, p} // one writev on a TCP connection
	c.held = nil
	if _, err := bufs.WriteTo(c.Conn); err != nil {
		return 0, err
	}
	return len(p), nil
}

// holdAcks is how long a PUBACK waits for a packet to go out with.
const holdAcks = time.Millisecond

func isPuback(p []byte) bool { return len(p) == 4 && p[0] == 0x40 && p[1] == 2 }

// writeHeld writes the PUBACKs no packet took along in time.
func (c *netConn) writeHeld() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if len(c.held) > 0 {
		_, _ = c.Conn.Write(c.held) // a failure shows on paho's next write or read
		c.held = nil
	}
}

func (c *netConn) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}

// pingreq is an MQTT PINGREQ packet.
var pingreq = []byte{0xc0, 0x00}

// ping writes a PINGREQ between paho's packets; a write that cannot finish
// in time means the connection is stuck, which the missing PINGRESP then
// shows.
func (c *netConn) ping(timeout time.Duration) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.Conn.SetWriteDeadline(time.Now().Add(timeout))
	_, _ = c.Conn.Write(pingreq)
	_ = c.Conn.SetWriteDeadline(time.Time{})
}

// giveUp makes paho's pending read fail, so that paho reports the
// connection lost (a Close would end its reader quietly).
func (c *netConn) giveUp() {
	c.timedOut.Store(true)
	_ = c.Conn.SetReadDeadline(time.Now())
}

// withKeepAlive returns a copy of CONNECT packet p asking for keep-alive
// seconds (false if p is not a CONNECT packet).
func withKeepAlive(p []byte, seconds uint16) ([]byte, bool) {
	if len(p) < 2 || p[0]>>4 != 1 {
		return nil, false
	}
	i := 1
	for i < len(p) && i < 5 && p[i]&0x80 != 0 { // remaining length: 1 to 4 bytes
		i++
	}
	i++
	if i+2 > len(p) {
		return nil, false
	}
	i += 2 + (int(p[i])<<8 | int(p[i+1])) // protocol name
	i += 2                                // protocol level, connect flags
	if i+2 > len(p) {
		return nil, false
	}
	q := append([]byte(nil), p...)
	q[i], q[i+1] = byte(seconds>>8), byte(seconds)
	return q, true
}

// keeper keeps the run's MQTT connections alive: every tick it pings each
// connection that wrote nothing for pingAfter, and gives up a connection
// that has read nothing for timeout since its ping.
type keeper struct {
	tick, pingAfter, timeout time.Duration

	mu     sync.Mutex
	conns  []*netConn
	sweeps int // under mu
}

func newKeeper() *keeper {
	// paho pings at keep-alive with a 5s tick and waits 10s for the reply
	// (the broker allows 1.5 keep-alives); this pings a little earlier.
	return &keeper{tick: 5 * time.Second, pingAfter: keepAlive * 3 / 4, timeout: 10 * time.Second}
}

func (k *keeper) add(c *netConn) {
	k.mu.Lock()
	k.conns = append(k.conns, c)
	k.mu.Unlock()
}

// sweep is one tick: it drops the closed connections, pings the quiet ones
// and gives up those whose ping went unanswered.
func (k *keeper) sweep() {
	pingAfter := max(int((k.pingAfter+k.tick-1)/k.tick), 1)
	giveUpAfter := max(int((k.timeout+k.tick-1)/k.tick), 1)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sweeps++
	live := k.conns[:0]
	for _, c := range k.conns {
		if c.closed.Load() {
			continue
		}
		live = append(live, c)
		if c.wrote.Swap(false) {
			c.idleSweeps = 0
		} else {
			c.idleSweeps++
		}
		read := c.read.Swap(false)
		switch {
		case c.pingAt != 0 && read:
			c.pingAt = 0
		case c.pingAt != 0:
			if c.quietReads++; c.quietReads >= giveUpAfter {
				c.giveUp()
			}
		case c.idleSweeps >= pingAfter:
			c.pingAt, c.quietReads, c.idleSweeps = k.sweeps, 0, 0
			go c.ping(k.timeout) // a stuck connection must not hold the others' pings
		}
	}
	clear(k.conns[len(live):])
	k.conns = live
}

// open dials KPC for paho: the same connections paho would open, wrapped in
// a netConn the keeper looks after.
func (r *run) open(uri *url.URL, o paho.ClientOptions) (*netConn, error) {
	var c net.Conn
	var err error
	buffered := false
	switch uri.Scheme {
	case "ws", "wss":
		u := *uri
		u.User = nil // as paho does: the WebSocket dialer refuses user info
		var tlsConf *tls.Config
		if uri.Scheme == "wss" {
			tlsConf = o.TLSConfig
		}
		c, err = paho.NewWebsocket(u.String(), tlsConf, o.ConnectTimeout, o.HTTPHeaders, o.WebsocketOptions)
	case "ssl", "tls", "mqtts", "mqtt+ssl", "tcps":
		c, err = tls.DialWithDialer(&net.Dialer{Timeout: o.ConnectTimeout}, "tcp", uri.Host, o.TLSConfig)
	default: // tcp, mqtt
		c, err = (&net.Dialer{Timeout: o.ConnectTimeout}).Dial("tcp", uri.Host)
		buffered = true
	}
	if err != nil {
		return nil, err
	}
	nc := &netConn{Conn: c}
	if buffered {
		// paho reads every packet with three or more small reads (type byte,
		// length bytes, body), each a syscall on a bare TCP connection. A
		// reply (topic, 256 B payload) fits in 512 B; larger reads bypass it.
		nc.r = bufio.NewReaderSize(c, 512)
	}
	return nc, nil
}
