package kpc_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// rawClient speaks MQTT over a plain socket with mochi's packet codec, for
// what paho will not do: never acknowledge, send a will or a topic alias,
// stay silent, or take over a client ID with clean start off.
type rawClient struct {
	t       testing.TB
	conn    net.Conn
	r       *bufio.Reader
	version byte
}

func dialRaw(t testing.TB, addr string) *rawClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return newRaw(t, c)
}

// newRaw is a rawClient on a connection, closed at cleanup.
func newRaw(t testing.TB, c net.Conn) *rawClient {
	t.Cleanup(func() { c.Close() })
	return &rawClient{t: t, conn: c, r: bufio.NewReader(c), version: 4}
}

// dialRawTLS is dialRaw over TLS. The handshake completes on the client's
// side even when the server refuses the client's certificate (TLS 1.3): the
// refusal is the error of the first read.
func dialRawTLS(t testing.TB, addr string, conf *tls.Config) *rawClient {
	t.Helper()
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: conf}
	c, err := d.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return newRaw(t, c)
}

// dialRawWS is dialRaw over (secure, with conf) WebSocket at url.
func dialRawWS(t testing.TB, url string, conf *tls.Config) *rawClient {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{"mqtt"}, TLSClientConfig: conf, HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return newRaw(t, kpc.NewWSConn(c))
}

// connectPacket is a CONNECT with clean start on and a 30 s keepalive.
func connectPacket(version byte, clientID string) packets.Packet {
	name := []byte("MQTT")
	if version == 3 {
		name = []byte("MQIsdp")
	}
	return packets.Packet{
		FixedHeader:     packets.FixedHeader{Type: packets.Connect},
		ProtocolVersion: version,
		Connect: packets.ConnectParams{
			ProtocolName: name, Clean: true, Keepalive: 30, ClientIdentifier: clientID,
		},
	}
}

// connect sends a CONNECT (mutate adjusts it) and returns the CONNACK.
func (c *rawClient) connect(version byte, clientID string, mutate func(*packets.Packet)) packets.Packet {
	c.t.Helper()
	c.version = version
	pk := connectPacket(version, clientID)
	if mutate != nil {
		mutate(&pk)
	}
	c.send(pk)
	ack := c.next(5 * time.Second)
	if ack.FixedHeader.Type != packets.Connack {
		c.t.Fatalf("got %s, want CONNACK", packets.PacketNames[ack.FixedHeader.Type])
	}
	return ack
}

// mustConnect connects and fails the test unless the CONNACK accepts.
func (c *rawClient) mustConnect(version byte, clientID string, mutate func(*packets.Packet)) packets.Packet {
	c.t.Helper()
	ack := c.connect(version, clientID, mutate)
	if ack.ReasonCode != 0 {
		c.t.Fatalf("CONNACK reason %#x, want success", ack.ReasonCode)
	}
	return ack
}

func (c *rawClient) send(pk packets.Packet) {
	c.t.Helper()
	if err := c.write(pk); err != nil {
		c.t.Fatalf("send %s: %v", packets.PacketNames[pk.FixedHeader.Type], err)
	}
}

func (c *rawClient) write(pk packets.Packet) error {
	if pk.ProtocolVersion == 0 {
		pk.ProtocolVersion = c.version
	}
	var buf bytes.Buffer
	var err error
	switch pk.FixedHeader.Type {
	case packets.Connect:
		err = pk.ConnectEncode(&buf)
	case packets.Publish:
		err = pk.PublishEncode(&buf)
	case packets.Puback:
		err = pk.PubackEncode(&buf)
	case packets.Pubrec:
		err = pk.PubrecEncode(&buf)
	case packets.Pubrel:
		pk.FixedHeader.Qos = 1 // [MQTT-3.6.1-1]
		err = pk.PubrelEncode(&buf)
	case packets.Pubcomp:
		err = pk.PubcompEncode(&buf)
	case packets.Subscribe:
		pk.FixedHeader.Qos = 1 // [MQTT-3.8.1-1]
		err = pk.SubscribeEncode(&buf)
	case packets.Pingreq:
		err = pk.PingreqEncode(&buf)
	case packets.Disconnect:
		err = pk.DisconnectEncode(&buf)
	default:
		err = fmt.Errorf("rawClient cannot encode %s", packets.PacketNames[pk.FixedHeader.Type])
	}
	if err != nil {
		return err
	}
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err = c.conn.Write(buf.Bytes())
	return err
}

// publish sends a PUBLISH; qos > 0 needs a packet id.
func (c *rawClient) publish(topic string, qos byte, id uint16, payload string) {
	c.t.Helper()
	c.send(packets.Packet{
		FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: qos},
		TopicName:   topic, PacketID: id, Payload: []byte(payload),
	})
}

// read returns the next packet from the server, or the error that ended the
// connection (io.EOF, a reset, or a timeout after within).
func (c *rawClient) read(within time.Duration) (packets.Packet, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(within))
	var pk packets.Packet
	b, err := c.r.ReadByte()
	if err != nil {
		return pk, err
	}
	if err := pk.FixedHeader.Decode(b); err != nil {
		return pk, err
	}
	n, _, err := packets.DecodeLength(c.r)
	if err != nil {
		return pk, err
	}
	pk.FixedHeader.Remaining = n
	body := make([]byte, n)
	if _, err := io.ReadFull(c.r, body); err != nil {
		return pk, err
	}
	pk.ProtocolVersion = c.version
	switch pk.FixedHeader.Type {
	case packets.Connack:
		err = pk.ConnackDecode(body)
	case packets.Publish:
		err = pk.PublishDecode(body)
	case packets.Puback:
		err = pk.PubackDecode(body)
	case packets.Pubrec:
		err = pk.PubrecDecode(body)
	case packets.Pubrel:
		err = pk.PubrelDecode(body)
	case packets.Pubcomp:
		err = pk.PubcompDecode(body)
	case packets.Suback:
		err = pk.SubackDecode(body)
	case packets.Pingresp:
	case packets.Disconnect:
		err = pk.DisconnectDecode(body)
	default:
		err = fmt.Errorf("unexpected %s from the server", packets.PacketNames[pk.FixedHeader.Type])
	}
	return pk, err
}

// next is read that fails the test on any error.
func (c *rawClient) next(within time.Duration) packets.Packet {
	c.t.Helper()
	pk, err := c.read(within)
	if err != nil {
		c.t.Fatalf("reading from the server: %v", err)
	}
	return pk
}

// expectClosed reads until the server closes the connection and returns the
// packets it sent first; it fails the test if the connection is still open
// after within.
func (c *rawClient) expectClosed(within time.Duration) []packets.Packet {
	c.t.Helper()
	got, closed := c.waitClosed(within)
	if !closed {
		c.t.Fatalf("connection still open after %v (received %s)", within, names(got))
	}
	return got
}

// waitClosed reads until the server closes the connection or within passes.
func (c *rawClient) waitClosed(within time.Duration) (got []packets.Packet, closed bool) {
	deadline := time.Now().Add(within)
	for {
		pk, err := c.read(time.Until(deadline))
		if err == nil {
			got = append(got, pk)
			continue
		}
		var ne net.Error
		return got, !(errors.As(err, &ne) && ne.Timeout())
	}
}

// roundTrip publishes a QoS 0 request and waits for its reply, acknowledging
// nothing: anything the server sent this client before the reply is
// returned, so a caller can assert that nothing else came.
func (c *rawClient) roundTrip(topic, payload string) (reply packets.Packet, before []packets.Packet) {
	c.t.Helper()
	c.publish(topic, 0, 0, payload)
	for {
		pk := c.next(5 * time.Second)
		if pk.FixedHeader.Type == packets.Publish && pk.TopicName == topic+"/status" {
			return pk, before
		}
		before = append(before, pk)
	}
}

func names(pks []packets.Packet) string {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, pk := range pks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(packets.PacketNames[pk.FixedHeader.Type])
		if pk.TopicName != "" {
			b.WriteString(" " + pk.TopicName)
		}
	}
	b.WriteByte(']')
	return b.String()
}
