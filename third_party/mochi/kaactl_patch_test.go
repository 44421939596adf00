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

// manualAwait is an AwaitReadable that the test wakes by hand.
type manualAwait struct {
	waits     chan func(expired bool)
	cancelled chan struct{}
	deadline  time.Time
}

func newManualAwait() *manualAwait {
	return &manualAwait{waits: make(chan func(bool), 4), cancelled: make(chan struct{}, 4)}
}

func (m *manualAwait) await(_ net.Conn, deadline time.Time, ready func(bool)) (func(), bool) {
	m.deadline = deadline
	m.waits <- ready
	return func() { m.cancelled <- struct{}{} }, true
}

func (m *manualAwait) next(t *testing.T) func(bool) {
	t.Helper()
	select {
	case ready := <-m.waits:
		return ready
	case <-time.After(5 * time.Second):
		t.Fatal("the client was not handed to AwaitReadable")
		return nil
	}
}

func endedWith(t *testing.T, ended chan error) error {
	t.Helper()
	select {
	case err := <-ended:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("the client did not end")
		return nil
	}
}

// TestAwaitReadable (patch 4): a client idles in AwaitReadable after
// CONNECT and after the idle time, is read when woken, and is ended when
// stopped or when its keepalive deadline passes while it waits.
func TestAwaitReadable(t *testing.T) {
	start := func(t *testing.T) (*Server, *manualAwait, net.Conn, chan error) {
		s, server, client := accepted(t)
		m := newManualAwait()
		s.SetAwaitReadable(m.await, 50*time.Millisecond)
		if _, err := client.Write(connect3); err != nil {
			t.Fatal(err)
		}
		ended := make(chan error, 1)
		s.EstablishConnectionAsync("t1", server, func(err error) { ended <- err })
		expect(t, client, connack, "CONNACK")
		return s, m, client, ended
	}
	t.Run("woken, read, idle again", func(t *testing.T) {
		_, m, client, ended := start(t)
		ready := m.next(t)
		if d := time.Until(m.deadline); d < 80*time.Second || d > 90*time.Second {
			t.Errorf("deadline in %v, want keepalive 60 s × 1.5", d)
		}
		if _, err := client.Write(subscribe); err != nil {
			t.Fatal(err)
		}
		ready(false)
		ready(false) // a second call is ignored
		expect(t, client, suback, "SUBACK")
		m.next(t)(false) // idle again, then woken by end of stream
		client.Close()
		if err := endedWith(t, ended); !errors.Is(err, io.EOF) {
			t.Errorf("ended with %v, want EOF", err)
		}
	})
	t.Run("stopped while waiting", func(t *testing.T) {
		s, m, _, ended := start(t)
		m.next(t)
		cl, ok := s.Clients.Get("c1")
		if !ok {
			t.Fatal("no client c1")
		}
		cl.Stop(errors.New("kicked"))
		endedWith(t, ended)
		select {
		case <-m.cancelled:
		case <-time.After(5 * time.Second):
			t.Error("the wait was not cancelled")
		}
		if _, ok := s.Clients.Get("c1"); ok {
			t.Error("the stopped client is still known")
		}
	})
	t.Run("keepalive deadline", func(t *testing.T) {
		_, m, client, ended := start(t)
		m.next(t)(true)
		if err := endedWith(t, ended); !errors.Is(err, ErrKeepaliveTimeout) {
			t.Errorf("ended with %v, want %v", err, ErrKeepaliveTimeout)
		}
		_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := client.Read(make([]byte, 1)); err == nil {
			t.Error("the connection is still open")
		}
	})
	t.Run("bytes behind CONNECT", func(t *testing.T) {
		s, server, client := accepted(t)
		m := newManualAwait()
		s.SetAwaitReadable(m.await, 50*time.Millisecond)
		if _, err := client.Write(append(append([]byte{}, connect3...), subscribe...)); err != nil {
			t.Fatal(err)
		}
		ended := make(chan error, 1)
		s.EstablishConnectionAsync("t1", server, func(err error) { ended <- err })
		expect(t, client, append(append([]byte{}, connack...), suback...), "CONNACK and SUBACK")
		ready := m.next(t) // then it idles in AwaitReadable
		client.Close()
		ready(false)
		endedWith(t, ended)
	})
}
