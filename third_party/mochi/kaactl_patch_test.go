package mqtt

// Tests of the kaactl patches (PATCHES.md), with the standard library only:
// scripts/test.sh runs them (cd third_party/mochi && go test ./...).

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"
)

type allowHook struct{ HookBase }

func (h *allowHook) ID() string { return "allow" }
func (h *allowHook) Provides(b byte) bool {
	return bytes.Contains([]byte{OnConnectAuthenticate, OnACLCheck}, []byte{b})
}
func (h *allowHook) OnConnectAuthenticate(*Client, packets.Packet) bool { return true }
func (h *allowHook) OnACLCheck(*Client, string, bool) bool              { return true }

// accepted starts a server and returns it with a connected TCP pair: the
// server's side and the client's.
func accepted(t *testing.T) (*Server, net.Conn, net.Conn) {
	t.Helper()
	s := New(&Options{InlineClient: true})
	if err := s.AddHook(new(allowHook), nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return s, server, client
}

func expect(t *testing.T, c net.Conn, want []byte, what string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s: got % x (%v), want % x", what, got, err, want)
	}
}

var (
	connect3  = []byte{0x10, 0x0e, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 2, 'c', '1'}
	connack   = []byte{0x20, 2, 0, 0}
	subscribe = []byte{0x82, 6, 0, 1, 0, 1, 't', 0}
	suback    = []byte{0x90, 3, 0, 1, 0}
	publishHi = []byte{0x30, 5, 0, 1, 't', 'h', 'i'}
)

// TestEstablishConnectionAsync: it returns once CONNECT is answered, the
// client is then served (a packet queued to it starts its write loop) and
// ended reports its end.
func TestEstablishConnectionAsync(t *testing.T) {
	s, server, client := accepted(t)
	if _, err := client.Write(connect3); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	s.EstablishConnectionAsync("t1", server, func(err error) { ended <- err })
	expect(t, client, connack, "CONNACK")
	select {
	case err := <-ended:
		t.Fatalf("ended while connected: %v", err)
	default:
	}
	cl, ok := s.Clients.Get("c1")
	if !ok {
		t.Fatal("client not registered")
	}
	if _, err := client.Write(subscribe); err != nil {
		t.Fatal(err)
	}
	expect(t, client, suback, "SUBACK")
	if err := s.Publish("t", []byte("hi"), false, 0); err != nil { // queued: WriteLoop starts
		t.Fatal(err)
	}
	expect(t, client, publishHi, "PUBLISH through the write loop")
	client.Close()
	select {
	case err := <-ended:
		if !errors.Is(err, io.EOF) {
			t.Errorf("ended with %v, want EOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ended not called after the client left")
	}
	if !cl.Closed() {
		t.Error("client not stopped")
	}
	if _, ok := s.Clients.Get("c1"); ok {
		t.Error("clean session kept after the client left")
	}
}

// TestEstablishConnectionAsyncRefused: a connection that never connects is
// ended before EstablishConnectionAsync returns.
func TestEstablishConnectionAsyncRefused(t *testing.T) {
	s, server, client := accepted(t)
	if _, err := client.Write(subscribe); err != nil { // not CONNECT
		t.Fatal(err)
	}
	var err error
	called := false
	s.EstablishConnectionAsync("t1", server, func(e error) { called, err = true, e })
	if !called || !errors.Is(err, packets.ErrProtocolViolationRequireFirstConnect) {
		t.Fatalf("ended called %v with %v", called, err)
	}
}
