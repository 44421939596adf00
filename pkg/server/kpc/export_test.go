package kpc

import (
	"net"
	"time"

	"github.com/gorilla/websocket"
)

// NewWSConn is KPC's net.Conn over binary WebSocket messages, for the raw
// MQTT clients of the tests: one framing for both ends.
func NewWSConn(c *websocket.Conn) net.Conn { return &wsConn{Conn: c.NetConn(), c: c} }

// SetReadIdle sets how long an MQTT/TCP session may idle before it waits
// without a goroutine.
func SetReadIdle(o *Options, d time.Duration) { o.readIdle = d }

// IdleWaiting is the number of MQTT/TCP sessions waiting without a goroutine.
func (s *Server) IdleWaiting() int { return int(s.idleWaiting()) }
