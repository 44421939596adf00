package kpc_test

import (
	"bytes"
	"fmt"
	"runtime"
	rtmetrics "runtime/metrics"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// TestIdleSessionsHoldNoGoroutine: an established MQTT/TCP session that
// idles waits for its next packet in KPC's poller, without a goroutine or a
// stack of its own (the handshakes ran on reused workers); its next packet
// is read on a new goroutine, which goes once the session idles again, and
// closed sessions leave nothing behind. What an idle fleet costs in memory,
// and a connect storm in page faults (BENCHMARKS.md): upstream mochi holds
// two goroutines per session, KPC before the poller one.
func TestIdleSessionsHoldNoGoroutine(t *testing.T) {
	const idle = 200 * time.Millisecond
	p := startPlatform(t, func(o *kpc.Options) { kpc.SetReadIdle(o, idle) })
	const n = 1000
	before, stacks := runtime.NumGoroutine(), stackBytes()
	clients := make([]*rawClient, n)
	for i := range clients {
		clients[i] = dialRaw(t, p.kpc.MQTTAddr())
		clients[i].mustConnect(byte(4+i%2), fmt.Sprintf("idle-%d", i), nil)
	}
	testenv.Eventually(t, 10*time.Second, "every session waits in the poller", func() bool { return p.kpc.IdleWaiting() == n })
	waitMetric(t, p, fmt.Sprintf("kaa_kpc_sessions_waiting %d", n))
	if got := runtime.NumGoroutine() - before; got > n/10 {
		t.Errorf("%d idle sessions hold %d goroutines, want none each", n, got)
	}
	perSession := float64(int64(stackBytes())-int64(stacks)) / n / 1024
	t.Logf("goroutine stacks: %.2f KiB per idle session", perSession)
	if perSession > 0.5 {
		t.Errorf("goroutine stacks: %.2f KiB per idle session, want about none", perSession)
	}
	// A waiting session is woken by its packet and answered...
	for i := 0; i < 3; i++ { // again after it idled
		if reply, _ := clients[n-1].roundTrip("kp1/app-v1/echo/tok1/ping/1", "x"); string(reply.Payload) != "x" {
			t.Fatalf("reply %q", reply.Payload)
		}
		// ...and waits in the poller again once it idled.
		testenv.Eventually(t, 10*time.Second, "the active session waits again", func() bool { return p.kpc.IdleWaiting() == n })
	}
	for _, c := range clients {
		c.conn.Close()
	}
	waitSessions(t, p, 0)
	testenv.Eventually(t, 10*time.Second, "the waits and goroutines end", func() bool {
		return p.kpc.IdleWaiting() == 0 && runtime.NumGoroutine()-before <= n/10
	})
}

// TestIdleTLSSessionHoldsOneSmallGoroutine: an MQTT/TLS session waits on a
// goroutine (crypto/tls may hold bytes of the next packet, which a readiness
// wait would miss), whose stack stays small: about 3 KiB (7 under -race),
// where it was 16 KiB when the handshake's goroutine stayed with the
// session.
func TestIdleTLSSessionHoldsOneSmallGoroutine(t *testing.T) {
	p, _ := startTLSPlatform(t)
	conf := trustedTLS(t, p)
	const n = 300
	before, stacks := runtime.NumGoroutine(), stackBytes()
	clients := make([]*rawClient, n)
	for i := range clients {
		clients[i] = dialRawTLS(t, p.kpc.MQTTSAddr(), conf)
		clients[i].mustConnect(byte(4+i%2), fmt.Sprintf("idle-tls-%d", i), nil)
	}
	if p.kpc.IdleWaiting() != 0 {
		t.Errorf("%d TLS sessions wait in the poller, want none", p.kpc.IdleWaiting())
	}
	if got := runtime.NumGoroutine() - before; got > n+n/4 {
		t.Fatalf("%d idle sessions hold %d goroutines, want about one each", n, got)
	}
	perSession := float64(int64(stackBytes())-int64(stacks)) / n / 1024
	t.Logf("goroutine stacks: %.1f KiB per idle TLS session", perSession)
	limit := 4.5
	if testenv.Race {
		limit = 10
	}
	if perSession > limit {
		t.Errorf("goroutine stacks: %.1f KiB per idle TLS session, want under %.0f", perSession, limit)
	}
}

// TestPacketsBehindConnect: a client that sends its next packets in the
// same segment as CONNECT (they are read into the buffer with it, so the
// socket is not readable again) is answered, not left waiting for bytes
// that already arrived.
func TestPacketsBehindConnect(t *testing.T) {
	p := startPlatform(t, nil)
	for _, version := range []byte{4, 5} {
		c := dialRaw(t, p.kpc.MQTTAddr())
		c.version = version
		var buf bytes.Buffer
		conn := connectPacket(version, fmt.Sprintf("eager-%d", version))
		ping := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Pingreq}, ProtocolVersion: version}
		if err := conn.ConnectEncode(&buf); err != nil {
			t.Fatal(err)
		}
		if err := ping.PingreqEncode(&buf); err != nil {
			t.Fatal(err)
		}
		if _, err := c.conn.Write(buf.Bytes()); err != nil {
			t.Fatal(err)
		}
		if ack := c.next(5 * time.Second); ack.FixedHeader.Type != packets.Connack || ack.ReasonCode != 0 {
			t.Fatalf("v%d: got %s %#x, want CONNACK success", version, packets.PacketNames[ack.FixedHeader.Type], ack.ReasonCode)
		}
		if got := c.next(5 * time.Second); got.FixedHeader.Type != packets.Pingresp {
			t.Fatalf("v%d: got %s, want PINGRESP", version, packets.PacketNames[got.FixedHeader.Type])
		}
	}
}

// stackBytes is the memory of all goroutine stacks.
func stackBytes() uint64 {
	s := []rtmetrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}}
	rtmetrics.Read(s)
	return s[0].Value.Uint64()
}
