package kpc_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// Limits on what one device connection can hold: connections, time before
// CONNECT, silence, packet size, reply bytes, stalled writes, HTTP bodies.

// TestConnectDeadline: a connection that has not completed CONNECT within
// ConnectTimeout is closed, whether it sends nothing, a CONNECT cut short,
// or nothing after a WebSocket upgrade.
func TestConnectDeadline(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) { o.ConnectTimeout = 300 * time.Millisecond; o.WSAddr = "127.0.0.1:0" })
	silent := dialRaw(t, p.kpc.MQTTAddr())
	partial := dialRaw(t, p.kpc.MQTTAddr())
	if _, err := partial.conn.Write([]byte{packets.Connect << 4, 40, 0, 4, 'M'}); err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+p.kpc.WSAddr()+kpc.WSPath, http.Header{"Sec-WebSocket-Protocol": {"mqtt"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for name, c := range map[string]*rawClient{"silent": silent, "partial CONNECT": partial} {
		if got := c.expectClosed(5 * time.Second); len(got) > 0 {
			t.Errorf("%s: got %s", name, names(got))
		}
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := ws.ReadMessage(); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Errorf("websocket without CONNECT: %v, want it closed", err)
	}
	waitMetric(t, p, `kaa_kpc_connections_closed_total{reason="connect_timeout"} 3`)
	// A client that connects in time is served.
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "prompt")
	ping(t, c, "kp1/app-v1/echo/tok1/ping/1", "x")
}

// TestKeepaliveBounds: keepalive 0 does not mean "forever" and a huge one is
// cut to MaxKeepalive, a tiny one raised to MinKeepalive; v5 clients learn
// the result from CONNACK, and a connection silent for 1.5 times it is
// closed (a half-open connection does not stay).
func TestKeepaliveBounds(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) { o.MinKeepalive, o.MaxKeepalive = time.Second, time.Second })
	tests := []struct {
		version   byte
		keepalive uint16
		announce  bool // CONNACK carries Server Keep Alive 1
	}{
		{4, 0, false}, {4, 600, false}, {5, 0, true}, {5, 600, true}, {5, 1, false},
	}
	t.Run("ceiling", func(t *testing.T) { // returns when its parallel subtests have
		for _, tt := range tests {
			t.Run(fmt.Sprintf("v%d keepalive %d", tt.version, tt.keepalive), func(t *testing.T) {
				t.Parallel()
				c := dialRaw(t, p.kpc.MQTTAddr())
				ack := c.mustConnect(tt.version, fmt.Sprintf("ka-%d-%d", tt.version, tt.keepalive), func(pk *packets.Packet) { pk.Connect.Keepalive = tt.keepalive })
				if got := ack.Properties.ServerKeepAliveFlag && ack.Properties.ServerKeepAlive == 1; got != tt.announce {
					t.Errorf("CONNACK server keepalive %v %d, want announced %v", ack.Properties.ServerKeepAliveFlag, ack.Properties.ServerKeepAlive, tt.announce)
				}
				c.expectClosed(10 * time.Second)
			})
		}
	})
	t.Run("floor", func(t *testing.T) {
		p := startPlatform(t, func(o *kpc.Options) { o.MinKeepalive, o.MaxKeepalive = 30*time.Second, time.Minute })
		c := dialRaw(t, p.kpc.MQTTAddr())
		ack := c.mustConnect(5, "eager", func(pk *packets.Packet) { pk.Connect.Keepalive = 2 })
		if !ack.Properties.ServerKeepAliveFlag || ack.Properties.ServerKeepAlive != 30 {
			t.Errorf("CONNACK server keepalive %v %d, want 30", ack.Properties.ServerKeepAliveFlag, ack.Properties.ServerKeepAlive)
		}
	})
	waitMetric(t, p, `kaa_kpc_connections_closed_total{reason="keepalive_timeout"} 5`)
}

// TestMaxConnections: connections over MaxConnections (TCP and WebSocket
// together, before CONNECT too) are closed at accept; a freed slot is
// reused.
func TestMaxConnections(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) { o.MaxConnections = 2; o.WSAddr = "127.0.0.1:0" })
	held := dialRaw(t, p.kpc.MQTTAddr())
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+p.kpc.WSAddr()+kpc.WSPath, http.Header{"Sec-WebSocket-Protocol": {"mqtt"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	extra := dialRaw(t, p.kpc.MQTTAddr()) // accepted after held: the TCP listener accepts in order
	if got := extra.expectClosed(5 * time.Second); len(got) > 0 {
		t.Errorf("connection over the limit got %s", names(got))
	}
	if _, _, err := websocket.DefaultDialer.Dial("ws://"+p.kpc.WSAddr()+kpc.WSPath, nil); err == nil {
		t.Error("websocket over the limit upgraded")
	}
	held.conn.Close()
	waitMetric(t, p, "kaa_kpc_connections 1\n")
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "next")
	ping(t, c, "kp1/app-v1/echo/tok1/ping/1", "x")
	if m := metrics(t, p); !strings.Contains(m, `kaa_kpc_connections_closed_total{reason="max_connections"} 2`) {
		t.Error("refused connections not counted")
	}
}

// TestTLSHandshakeTimeout: a client that opens a TLS connection and never
// handshakes is closed after TLSHandshakeTimeout, and other clients connect
// meanwhile.
func TestTLSHandshakeTimeout(t *testing.T) {
	dir := t.TempDir()
	p := startPlatform(t, func(o *kpc.Options) {
		o.MQTTSAddr, o.TLSGenerate = "127.0.0.1:0", true
		o.TLSCert, o.TLSKey = filepath.Join(dir, "kpc.crt"), filepath.Join(dir, "kpc.key")
		o.TLSHandshakeTimeout, o.ConnectTimeout = 300*time.Millisecond, time.Minute
	})
	hung := make([]*rawClient, 3)
	for i := range hung {
		hung[i] = dialRaw(t, p.kpc.MQTTSAddr())
	}
	c := testenv.MQTTURL(t, "ssl://"+p.kpc.MQTTSAddr(), "dev-tls", trustedTLS(t, p))
	roundTrip(t, c, p, "while others hang")
	for _, h := range hung {
		h.expectClosed(5 * time.Second)
	}
	waitMetric(t, p, `kaa_kpc_connections_closed_total{reason="tls_handshake"} 3`)
}

// TestMaxPacketSize: a packet over MaxPacketSize ends that connection (v5
// clients are told the limit in CONNACK); others are served.
func TestMaxPacketSize(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) { o.MaxPacketSize = 4096 })
	c := dialRaw(t, p.kpc.MQTTAddr())
	if ack := c.mustConnect(5, "big", nil); ack.Properties.MaximumPacketSize != 4096 {
		t.Errorf("CONNACK maximum packet size %d, want 4096", ack.Properties.MaximumPacketSize)
	}
	c.publish("kp1/app-v1/echo/tok1/ping/1", 0, 0, strings.Repeat("x", 8192))
	c.expectClosed(5 * time.Second)
	other := testenv.MQTT(t, p.kpc.MQTTAddr(), "small")
	ping(t, other, "kp1/app-v1/echo/tok1/ping/2", "fits")
	waitMetric(t, p, `kaa_kpc_connections_closed_total{reason="packet_too_large"} 1`)
}

// startBulkEcho answers every request to extension instance "bulk" with
// its payload, ignoring send errors: the flood tests end with requests in
// flight, which the shared test extension would report after the test.
func startBulkEcho(t *testing.T, p *platform) {
	t.Helper()
	instance := "bulk"
	sub, err := p.nc.Subscribe(ism.ServiceSubject(instance, ism.ProtoESP, ism.MsgClientData), func(m *nats.Msg) {
		var cd ism.ClientData
		if ism.Unmarshal(m.Data, &cd) != nil {
			return
		}
		data, err := ism.Marshal(&ism.ExtensionData{
			CorrelationID: cd.CorrelationID, Timestamp: ism.NowMillis(),
			AppVersionName: &cd.AppVersionName, ExtensionInstanceName: &instance,
			EndpointID: cd.EndpointID, ResourcePath: cd.ResourcePath, RequestID: cd.RequestID,
			Payload: cd.Payload, StatusCode: 200,
		})
		if err == nil {
			_ = p.nc.Publish(m.Reply, data)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
}

// stallingClient connects and then floods requests for large replies
// without ever reading, with a small receive buffer, so KPC's writes to it
// stall.
func stallingClient(t *testing.T, p *platform, requests, size int) *rawClient {
	t.Helper()
	startBulkEcho(t, p)
	c := dialRaw(t, p.kpc.MQTTAddr())
	if err := c.conn.(*net.TCPConn).SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	c.mustConnect(4, "stalling", func(pk *packets.Packet) { pk.Connect.Keepalive = 600 })
	payload := strings.Repeat("x", size)
	go func() {
		for i := range requests {
			if c.write(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish},
				TopicName: fmt.Sprintf("kp1/app-v1/bulk/tok1/ping/%d", i), Payload: []byte(payload)}) != nil {
				return // KPC closed the connection
			}
		}
	}()
	return c
}

// TestReplyBytesBudget: a client that never reads cannot make KPC hold more
// than MaxQueuedBytes of replies for it: the rest are dropped and counted,
// long before the queue's count limit.
func TestReplyBytesBudget(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) {
		o.MaxQueuedBytes, o.MaxPayload, o.WriteTimeout = 256<<10, 128<<10, time.Minute
	})
	stallingClient(t, p, 200, 100<<10)
	testenv.Eventually(t, 10*time.Second, "replies over the budget dropped", func() bool {
		return !strings.Contains(metrics(t, p), "kaa_kpc_replies_dropped_total 0")
	})
}

// TestStalledReaderDisconnected: writes to a client that stops reading fail
// after WriteTimeout without progress, and the session is closed rather
// than left connected but mute; other clients are served meanwhile.
func TestStalledReaderDisconnected(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) { o.WriteTimeout, o.MaxPayload = 300*time.Millisecond, 128<<10 })
	stallingClient(t, p, 200, 100<<10)
	other := testenv.MQTT(t, p.kpc.MQTTAddr(), "other")
	ping(t, other, "kp1/app-v1/echo/tok2/ping/1", "fine")
	testenv.Eventually(t, 10*time.Second, "stalled session closed", func() bool {
		m := metrics(t, p)
		return strings.Contains(m, "kaa_kpc_sessions 1\n") && strings.Contains(m, `kaa_kpc_connections_closed_total{reason="write_timeout"} 1`)
	})
}

// TestHTTPBodyTimeout: a 1/KP over HTTP request whose body trickles in (or
// never comes) is answered 408 after HTTPBodyTimeout instead of holding a
// handler for ever.
func TestHTTPBodyTimeout(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) { o.HTTPBodyTimeout = 300 * time.Millisecond })
	c, err := net.Dial("tcp", p.kpc.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /kp1/app-v1/echo/tok1/ping HTTP/1.1\r\nHost: kpc\r\nContent-Length: 100\r\n\r\nonly ten b")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no response to a stalled body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("status %d, want 408", resp.StatusCode)
	}
	waitMetric(t, p, `kaa_kpc_requests_total{extension="echo",status="408",transport="http"} 1`)
}
