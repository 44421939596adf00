package sim

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

func TestWithKeepAlive(t *testing.T) {
	for _, tc := range []struct {
		name     string
		protocol string
		version  byte
		clientID string
		user     string
	}{
		{"short", "MQTT", 4, "c", ""},
		{"two length bytes", "MQTT", 4, string(bytes.Repeat([]byte("x"), 200)), "user@kaa"},
		{"MQTT 3.1, paho's fallback after a refusal", "MQIsdp", 3, "c", "user@kaa"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cp := packets.NewControlPacket(packets.Connect).(*packets.ConnectPacket)
			cp.ProtocolName, cp.ProtocolVersion, cp.CleanSession, cp.ClientIdentifier = tc.protocol, tc.version, true, tc.clientID
			if tc.user != "" {
				cp.UsernameFlag, cp.Username = true, tc.user
			}
			var buf bytes.Buffer
			if err := cp.Write(&buf); err != nil {
				t.Fatal(err)
			}
			orig := bytes.Clone(buf.Bytes())
			q, ok := withKeepAlive(buf.Bytes(), 60)
			if !ok {
				t.Fatal("not taken for a CONNECT packet")
			}
			if !bytes.Equal(buf.Bytes(), orig) {
				t.Error("the packet written was changed in place")
			}
			got, err := packets.ReadPacket(bytes.NewReader(q))
			if err != nil {
				t.Fatal(err)
			}
			c := got.(*packets.ConnectPacket)
			if c.Keepalive != 60 || c.ProtocolName != tc.protocol || c.ClientIdentifier != tc.clientID || c.Username != tc.user || !c.CleanSession {
				t.Errorf("patched CONNECT %v", c)
			}
		})
	}
	if _, ok := withKeepAlive([]byte{0x30, 0x02, 0, 0}, 60); ok {
		t.Error("a PUBLISH packet was taken for a CONNECT")
	}
	if _, ok := withKeepAlive([]byte{0x10, 0x05, 0, 4}, 60); ok {
		t.Error("a truncated CONNECT was patched")
	}
}

// TestKeeper drives the keeper's sweeps by hand: a connection that writes
// nothing is pinged after pingAfter, one that answers is left alone, one
// that does not is given up (its reader fails) and a closed one is dropped.
func TestKeeper(t *testing.T) {
	k := &keeper{tick: time.Second, pingAfter: 3 * time.Second, timeout: 2 * time.Second}
	client, server := net.Pipe()
	t.Cleanup(func() { client.Close(); server.Close() })
	c := &netConn{Conn: client}
	k.add(c)
	pings := make(chan []byte, 4)
	go func() {
		for {
			b := make([]byte, 2)
			if _, err := io.ReadFull(server, b); err != nil {
				close(pings)
				return
			}
			pings <- b
		}
	}()

	if _, err := c.Write([]byte{0xe0, 0x00}); err != nil { // DISCONNECT, as a first packet: not a CONNECT
		t.Fatal(err)
	}
	if b := <-pings; !bytes.Equal(b, []byte{0xe0, 0x00}) {
		t.Fatalf("server read %x", b)
	}
	k.sweep() // the write: not idle
	k.sweep()
	k.sweep()
	select {
	case b := <-pings:
		t.Fatalf("pinged after 2 idle sweeps: %x", b)
	default:
	}
	k.sweep() // 3 idle sweeps: ping
	if b := <-pings; !bytes.Equal(b, pingreq) {
		t.Fatalf("server read %x, want PINGREQ", b)
	}

	// The PINGRESP arrives: no longer outstanding.
	readDone := make(chan error, 1)
	go func() {
		b := make([]byte, 2)
		_, err := io.ReadFull(c, b)
		readDone <- err
	}()
	if _, err := server.Write([]byte{0xd0, 0x00}); err != nil {
		t.Fatal(err)
	}
	if err := <-readDone; err != nil {
		t.Fatal(err)
	}
	k.sweep()
	if c.pingAt != 0 || c.timedOut.Load() {
		t.Fatalf("answered ping still outstanding (pingAt %d, timed out %v)", c.pingAt, c.timedOut.Load())
	}

	// The next ping (3 idle sweeps on, the last one counted) goes
	// unanswered: after timeout the reader fails.
	for range 2 {
		k.sweep()
	}
	if b := <-pings; !bytes.Equal(b, pingreq) {
		t.Fatalf("server read %x, want PINGREQ", b)
	}
	go func() {
		_, err := c.Read(make([]byte, 1))
		readDone <- err
	}()
	k.sweep()
	if c.timedOut.Load() {
		t.Fatal("given up after one quiet sweep, timeout is two")
	}
	k.sweep()
	if !c.timedOut.Load() {
		t.Fatal("not given up after the timeout")
	}
	if err := <-readDone; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("reader got %v, want a deadline error", err)
	}

	c.Close()
	k.sweep()
	if len(k.conns) != 0 {
		t.Errorf("closed connection still kept: %d", len(k.conns))
	}
}

// writes records what a netConn writes, one entry per Write.
type writes struct {
	net.Conn // nil: only Write is called
	mu       sync.Mutex
	got      [][]byte
	wrote    chan struct{}
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.got = append(w.got, bytes.Clone(p))
	w.mu.Unlock()
	w.wrote <- struct{}{}
	return len(p), nil
}

func (w *writes) all() [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.got)
}

// TestHeldAcks: a PUBACK goes out with the next packet, after it in no
// case, or on its own when none follows.
func TestHeldAcks(t *testing.T) {
	w := &writes{wrote: make(chan struct{}, 8)}
	c := &netConn{Conn: w, connectSent: true}
	puback := []byte{0x40, 0x02, 0x00, 0x07}
	publish := []byte{0x32, 0x05, 0x00, 0x01, 'a', 0x00, 0x08}
	if n, err := c.Write(puback); n != 4 || err != nil {
		t.Fatalf("Write(PUBACK) = %d, %v", n, err)
	}
	if n, err := c.Write(publish); n != len(publish) || err != nil {
		t.Fatalf("Write(PUBLISH) = %d, %v", n, err)
	}
	<-w.wrote
	<-w.wrote
	if got := bytes.Join(w.all(), nil); !bytes.Equal(got, append(bytes.Clone(puback), publish...)) {
		t.Fatalf("wrote %x, want the PUBACK, then the PUBLISH", got)
	}

	// A PUBACK alone goes out when the hold ends.
	if _, err := c.Write(puback); err != nil {
		t.Fatal(err)
	}
	<-w.wrote
	if got := w.all(); len(got) != 3 || !bytes.Equal(got[2], puback) {
		t.Fatalf("wrote %x, want the lone PUBACK last", got)
	}
}
