package kpc_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// Hostile clients, one test per attack: what one MQTT client could do to
// another (or to the replica) with protocol features 1/KP does not need.

const commandTopic = "kp1/app-v1/cex/tok1/command/reboot/status"

// waitMetric waits until /metrics has a line (or a line's start).
func waitMetric(t *testing.T, p *platform, line string) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, "metrics show "+line, func() bool { return strings.Contains(metrics(t, p), line) })
}

// waitSessions waits until the replica has n live sessions.
func waitSessions(t *testing.T, p *platform, n int) {
	t.Helper()
	waitMetric(t, p, fmt.Sprintf("kaa_kpc_sessions %d\n", n))
}

// ping makes a request and waits for its reply, first of all messages.
func ping(t *testing.T, c *testenv.MQTTClient, topic, payload string) {
	t.Helper()
	c.Publish(t, topic, 1, payload)
	if m := c.Expect(t, topic+"/status", 5*time.Second); m.Payload != payload {
		t.Errorf("reply %q, want %q", m.Payload, payload)
	}
}

// extSeen returns the next request the test extension got.
func extSeen(t *testing.T, p *platform) ism.ClientData {
	t.Helper()
	return testenv.Receive(t, p.ext.seen, 5*time.Second, "the extension got no request within 5s")
}

// TestWillsAreStripped: a client that sets a will on another endpoint's
// command topic and then drops its connection must not reach that
// endpoint's subscription nor a "#" subscriber. Wills are stripped at
// CONNECT, also v5 delayed ones (which mochi would keep in memory after the
// client is gone) and retained ones (which mochi used to refuse).
func TestWillsAreStripped(t *testing.T) {
	tests := []struct {
		name    string
		version byte
		will    func(*packets.Packet)
	}{
		{"v3.1.1 will", 4, nil},
		{"v3.1.1 retained will", 4, func(pk *packets.Packet) { pk.Connect.WillRetain = true }},
		{"v5 will", 5, nil},
		{"v5 delayed will", 5, func(pk *packets.Packet) {
			pk.Connect.WillProperties.WillDelayInterval = 1
			pk.Properties.SessionExpiryInterval, pk.Properties.SessionExpiryIntervalFlag = 60, true
			// ~900 KiB in user properties (a payload has a 16-bit length)
			for i := range 14 {
				pk.Connect.WillProperties.User = append(pk.Connect.WillProperties.User,
					packets.UserProperty{Key: string(rune('a' + i)), Val: strings.Repeat("x", 64000)})
			}
		}},
	}
	p := startPlatform(t, nil)
	victim := testenv.MQTT(t, p.kpc.MQTTAddr(), "victim")
	spy := testenv.MQTT(t, p.kpc.MQTTAddr(), "spy")
	for c, filter := range map[*testenv.MQTTClient]string{victim: commandTopic, spy: "#"} {
		if tok := c.Subscribe(filter, 1, nil); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("subscribe %s: %v", filter, tok.Error())
		}
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attacker := dialRaw(t, p.kpc.MQTTAddr())
			attacker.mustConnect(tt.version, "attacker", func(pk *packets.Packet) {
				pk.Connect.WillFlag, pk.Connect.WillQos = true, 1
				pk.Connect.WillTopic, pk.Connect.WillPayload = commandTopic, []byte(`[{"id":666,"payload":"forged"}]`)
				if tt.will != nil {
					tt.will(pk)
				}
			})
			waitSessions(t, p, 3)
			attacker.conn.Close() // no DISCONNECT: mochi would send the will
			waitSessions(t, p, 2) // OnDisconnect runs after mochi's will handling
			ping(t, victim, "kp1/app-v1/echo/tok1/ping/1", "barrier")
			if got := spy.Drain(); len(got) > 0 {
				t.Errorf("# subscriber got %+v", got)
			}
			want := `kaa_kpc_connect_adjusted_total{what="will_stripped"} ` + string(rune('1'+i))
			if m := metrics(t, p); !strings.Contains(m, want) {
				t.Errorf("metrics lack %s", want)
			}
		})
	}
}

// TestTakeoverInheritsNothing: a client that connects with another
// connection's client ID and clean start off gets no session: neither the
// replies the first connection had not acknowledged, nor the answers to its
// requests still in flight.
func TestTakeoverInheritsNothing(t *testing.T) {
	for _, version := range []byte{4, 5} {
		t.Run("v"+string(rune('0'+version)), func(t *testing.T) {
			p := startPlatform(t, nil)
			persistent := func(pk *packets.Packet) {
				pk.Connect.Clean = false
				if version == 5 {
					pk.Properties.SessionExpiryInterval, pk.Properties.SessionExpiryIntervalFlag = 3600, true
				}
			}
			first := dialRaw(t, p.kpc.MQTTAddr())
			first.mustConnect(version, "device-1", persistent)
			first.publish("kp1/app-v1/echo/tok1/ping/1", 1, 1, "first's secret")
			first.publish("kp1/app-v1/echo/tok1/hold/2", 0, 0, "first's pending")
			var reply bool
			for !reply { // PUBACK and the QoS 1 reply, which first never acknowledges
				pk := first.next(5 * time.Second)
				reply = pk.FixedHeader.Type == packets.Publish && pk.TopicName == "kp1/app-v1/echo/tok1/ping/1/status"
			}
			for range 2 {
				extSeen(t, p)
			}

			second := dialRaw(t, p.kpc.MQTTAddr())
			if ack := second.mustConnect(version, "device-1", persistent); ack.SessionPresent {
				t.Error("CONNACK says a session was present")
			}
			first.expectClosed(5 * time.Second)
			waitSessions(t, p, 1) // first's session is gone from the replica, not only its socket
			close(p.ext.release)  // answer first's pending request now: nobody may get it
			waitMetric(t, p, "kaa_kpc_replies_dropped_total 1")
			if _, before := second.roundTrip("kp1/app-v1/echo/tok2/ping/3", "second"); len(before) > 0 {
				t.Fatalf("the taking-over connection received %s", names(before))
			}
		})
	}
}

// TestSysTopicsOff: $SYS topics leak broker internals (client counts,
// traffic); they are neither published nor subscribable.
func TestSysTopicsOff(t *testing.T) {
	p := startPlatform(t, nil)
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "curious")
	for _, filter := range []string{"$SYS/#", "$SYS/broker/clients/connected", "$share/g/kp1/#"} {
		tok := c.Subscribe(filter, 1, nil)
		if !tok.WaitTimeout(5 * time.Second) {
			t.Fatalf("subscribe %s: no SUBACK", filter)
		}
		for _, code := range tok.(*paho.SubscribeToken).Result() { // one filter (paho keys $share/ ones without the prefix)
			if code != 0x80 {
				t.Errorf("subscribe %s: granted %#x, want failure 0x80", filter, code)
			}
		}
	}
	ping(t, c, "kp1/app-v1/echo/tok1/ping/1", "barrier")
	if got := c.Drain(); len(got) > 0 {
		t.Errorf("received %+v", got)
	}
	if m := metrics(t, p); !strings.Contains(m, `kaa_kpc_rejected_subscriptions_total{reason="reserved_topic"} 3`) {
		t.Error("refused subscriptions not counted")
	}
}

// TestTopicAliasesRefused: KPC does not advertise topic aliases (their ACL
// check would run before the alias resolves, and each alias pins a topic of
// up to 64 KiB), so a v5 client that uses one is disconnected with 0x94.
func TestTopicAliasesRefused(t *testing.T) {
	p := startPlatform(t, nil)
	c := dialRaw(t, p.kpc.MQTTAddr())
	if ack := c.mustConnect(5, "aliaser", nil); ack.Properties.TopicAliasMaximum != 0 {
		t.Errorf("CONNACK advertises topic alias maximum %d", ack.Properties.TopicAliasMaximum)
	}
	c.send(packets.Packet{
		FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1}, PacketID: 1,
		TopicName: "kp1/app-v1/echo/tok1/ping/1", Payload: []byte("x"),
		Properties: packets.Properties{TopicAlias: 1, TopicAliasFlag: true},
	})
	got := c.expectClosed(5 * time.Second)
	if len(got) != 1 || got[0].FixedHeader.Type != packets.Disconnect || got[0].ReasonCode != packets.ErrTopicAliasInvalid.Code {
		t.Fatalf("got %s (reason %#x), want DISCONNECT 0x94 and the connection closed", names(got), reasonOf(got))
	}
}

func reasonOf(pks []packets.Packet) byte {
	if len(pks) == 0 {
		return 0
	}
	return pks[len(pks)-1].ReasonCode
}

// TestQoS2Request: a QoS 2 request gets the QoS 2 handshake (PUBREC, then
// PUBCOMP for the PUBREL) on v3.1.1 and v5, reaches the extension once even
// when the client resends it, and its reply comes at QoS 1.
func TestQoS2Request(t *testing.T) {
	for _, version := range []byte{4, 5} {
		t.Run("v"+string(rune('0'+version)), func(t *testing.T) {
			p := startPlatform(t, nil)
			c := dialRaw(t, p.kpc.MQTTAddr())
			c.mustConnect(version, "exactly-once", nil)
			const topic = "kp1/app-v1/echo/tok1/ping/9"
			c.publish(topic, 2, 7, "once")
			var pubrec, pubcomp, reply bool
			for !pubrec || !pubcomp || !reply {
				pk := c.next(5 * time.Second)
				switch {
				case pk.FixedHeader.Type == packets.Pubrec && pk.PacketID == 7 && !pubrec:
					pubrec = true
					// A resend before PUBREL is the same message: not relayed again.
					c.send(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 2, Dup: true},
						TopicName: topic, PacketID: 7, Payload: []byte("once")})
					c.send(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Pubrel}, PacketID: 7})
				case pk.FixedHeader.Type == packets.Pubrec && pk.PacketID == 7:
					// the answer to the resend
				case pk.FixedHeader.Type == packets.Pubcomp && pk.PacketID == 7 && pubrec:
					pubcomp = true
				case pk.FixedHeader.Type == packets.Publish && pk.TopicName == topic+"/status" && !reply:
					reply = true
					if pk.FixedHeader.Qos != 1 || string(pk.Payload) != "once" {
						t.Errorf("reply qos %d payload %q", pk.FixedHeader.Qos, pk.Payload)
					}
					c.send(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Puback}, PacketID: pk.PacketID})
				default:
					t.Fatalf("unexpected %s id %d reason %#x", packets.PacketNames[pk.FixedHeader.Type], pk.PacketID, pk.ReasonCode)
				}
			}
			if _, before := c.roundTrip("kp1/app-v1/echo/tok1/ping/10", "next"); len(before) > 0 {
				t.Errorf("before the next reply: %s", names(before))
			}
			extSeen(t, p)
			extSeen(t, p)
			select {
			case cd := <-p.ext.seen:
				t.Errorf("the extension got a request twice: %+v", cd)
			default:
			}
		})
	}
}

// TestInFlightRequestsPerSession: one session cannot keep more than
// MaxInFlight requests waiting at extensions; the next is answered 429 at
// once, and other sessions are not affected.
func TestInFlightRequestsPerSession(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) { o.MaxInFlight = 2 })
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "pipeliner")
	for i := range 2 {
		c.Publish(t, "kp1/app-v1/echo/tok1/hold/"+string(rune('1'+i)), 1, "held")
		extSeen(t, p)
	}
	c.Publish(t, "kp1/app-v1/echo/tok1/ping/3", 1, "one too many")
	if b := errorBody(t, c.Expect(t, "kp1/app-v1/echo/tok1/ping/3/error", 5*time.Second).Payload); b.StatusCode != 429 {
		t.Errorf("status %d, want 429", b.StatusCode)
	}
	other := testenv.MQTT(t, p.kpc.MQTTAddr(), "other")
	ping(t, other, "kp1/app-v1/echo/tok2/ping/1", "fine")
	extSeen(t, p)
	close(p.ext.release)
	got := map[string]bool{}
	for range 2 {
		m := <-c.Msgs
		got[m.Topic] = true
	}
	if !got["kp1/app-v1/echo/tok1/hold/1/status"] || !got["kp1/app-v1/echo/tok1/hold/2/status"] {
		t.Fatalf("held replies: %v", got)
	}
	// Answered requests free their places.
	ping(t, c, "kp1/app-v1/echo/tok1/ping/4", "again")
	if m := metrics(t, p); !strings.Contains(m, `kaa_kpc_rejected_publishes_total{reason="too_many_in_flight"} 1`) {
		t.Error("429 not counted")
	}
}

// TestConnectWhileDrainingIsServerUnavailable: a draining replica refuses a
// CONNECT with "server unavailable", not "bad user name or password".
func TestConnectWhileDrainingIsServerUnavailable(t *testing.T) {
	p := startPlatform(t, nil)
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "holder")
	c.Publish(t, "kp1/app-v1/echo/tok1/hold/1", 1, "keeps the drain waiting")
	extSeen(t, p)
	// Not t.Context(): it ends with the test, before the platform's cleanup
	// reads the drain's result.
	drained := make(chan error, 1)
	go func() { drained <- p.kpc.Shutdown(context.Background()) }()
	testenv.Eventually(t, 5*time.Second, "draining", func() bool { return health(t, p) == 503 })
	for version, want := range map[byte]byte{4: packets.Err3ServerUnavailable.Code, 5: packets.ErrServerUnavailable.Code} {
		late := dialRaw(t, p.kpc.MQTTAddr())
		if ack := late.connect(version, "late", nil); ack.ReasonCode != want {
			t.Errorf("v%d CONNACK reason %#x, want %#x", version, ack.ReasonCode, want)
		}
	}
	close(p.ext.release)
	if err := <-drained; err != nil {
		t.Errorf("drain: %v", err)
	}
}
