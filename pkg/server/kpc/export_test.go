package kpc

import (
	"net"

	"github.com/gorilla/websocket"
)

// NewWSConn is KPC's net.Conn over binary WebSocket messages, for the raw
// MQTT clients of the tests: one framing for both ends.
func NewWSConn(c *websocket.Conn) net.Conn { return &wsConn{Conn: c.NetConn(), c: c} }
