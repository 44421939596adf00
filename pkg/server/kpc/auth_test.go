package kpc_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// Client authentication (22/CAP) over every MQTT transport, with the
// CONNACK codes MQTT v3.1.1 and v5 clients expect.

const devicePassword = "device-password-0123456789"

// startAuthPlatform runs the platform with every MQTT transport on, and
// X.509 client authentication on MQTT/TLS when ca is not nil.
func startAuthPlatform(t *testing.T, ca *testenv.CA, mutate func(*kpc.Options)) *platform {
	t.Helper()
	dir := t.TempDir()
	var caFile string
	if ca != nil {
		caFile = ca.File(t)
	}
	return startPlatform(t, func(o *kpc.Options) {
		o.MQTTSAddr, o.WSAddr, o.WSSAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
		o.TLSGenerate, o.TLSCert, o.TLSKey = true, filepath.Join(dir, "kpc.crt"), filepath.Join(dir, "kpc.key")
		o.ClientCA = caFile
		if mutate != nil {
			mutate(o)
		}
	})
}

// mqttTransport is how a raw client reaches one MQTT listener.
type mqttTransport struct {
	name string
	dial func(t *testing.T, conf *tls.Config) *rawClient // conf: the client's TLS config, if the transport has TLS
}

func mqttTransports(p *platform) []mqttTransport {
	return []mqttTransport{
		{"tcp", func(t *testing.T, _ *tls.Config) *rawClient { return dialRaw(t, p.kpc.MQTTAddr()) }},
		{"tls", func(t *testing.T, conf *tls.Config) *rawClient { return dialRawTLS(t, p.kpc.MQTTSAddr(), conf) }},
		{"ws", func(t *testing.T, _ *tls.Config) *rawClient {
			return dialRawWS(t, "ws://"+p.kpc.WSAddr()+kpc.WSPath, nil)
		}},
		{"wss", func(t *testing.T, conf *tls.Config) *rawClient {
			return dialRawWS(t, "wss://"+p.kpc.WSSAddr()+kpc.WSPath, conf)
		}},
	}
}

// login sets a CONNECT's user name and password.
func login(username, password string) func(*packets.Packet) {
	return func(pk *packets.Packet) {
		pk.Connect.UsernameFlag, pk.Connect.Username = true, []byte(username)
		pk.Connect.PasswordFlag, pk.Connect.Password = true, []byte(password)
	}
}

// wantCode picks the CONNACK code of a protocol version.
func wantCode(version, v3, v5 byte) byte {
	if version < 5 {
		return v3
	}
	return v5
}

// connectAs connects c and expects the CONNACK code want: a refused client
// is disconnected, an accepted one gets its requests relayed.
func connectAs(t *testing.T, p *platform, c *rawClient, version byte, clientID string, connect func(*packets.Packet), want byte) {
	t.Helper()
	if ack := c.connect(version, clientID, connect); ack.ReasonCode != want {
		t.Fatalf("CONNACK %#x, want %#x", ack.ReasonCode, want)
	}
	if want != 0 {
		c.expectClosed(5 * time.Second)
		return
	}
	if reply, _ := c.roundTrip("kp1/app-v1/echo/tok1/ping/1", "hi"); string(reply.Payload) != "hi" {
		t.Errorf("reply %q", reply.Payload)
	}
	extSeen(t, p)
}

func mustBasic(t *testing.T, p *platform, tenant, username string) string {
	t.Helper()
	cred, err := p.prov.CreateBasic(context.Background(), tenant, username, devicePassword)
	if err != nil {
		t.Fatal(err)
	}
	return cred.ID
}

// TestBasicAuthentication: the right user@tenant and password connect (and
// relay), everything else is refused with "bad user name or password" (v5
// 0x86, v3.1.1 4) and gets no session, on every MQTT transport.
func TestBasicAuthentication(t *testing.T) {
	p := startAuthPlatform(t, nil, nil)
	mustBasic(t, p, "kaa", "dev1")
	mustBasic(t, p, "t2", "dev2")
	conf := trustedTLS(t, p)
	cases := []struct {
		name    string
		connect func(*packets.Packet)
		v3, v5  byte
	}{
		{"right password", login("dev1@kaa", devicePassword), 0, 0},
		{"other tenant's user", login("dev2@t2", devicePassword), 0, 0},
		{"wrong password", login("dev1@kaa", devicePassword+"x"), 4, 0x86},
		{"no password", func(pk *packets.Packet) { pk.Connect.UsernameFlag, pk.Connect.Username = true, []byte("dev1@kaa") }, 4, 0x86},
		{"unknown user", login("nobody@kaa", devicePassword), 4, 0x86},
		{"unknown tenant", login("dev1@nowhere", devicePassword), 4, 0x86},
		{"user of another tenant", login("dev2@kaa", devicePassword), 4, 0x86},
		{"no @tenant", login("dev1", devicePassword), 4, 0x86},
		{"empty tenant", login("dev1@", devicePassword), 4, 0x86},
		{"anonymous", nil, 0, 0},
	}
	n := 0
	for _, tr := range mqttTransports(p) {
		for _, version := range []byte{4, 5} {
			for _, tc := range cases {
				n++
				t.Run(fmt.Sprintf("%s/v%d/%s", tr.name, version, tc.name), func(t *testing.T) {
					connectAs(t, p, tr.dial(t, conf), version, fmt.Sprintf("basic-%d", n), tc.connect, wantCode(version, tc.v3, tc.v5))
				})
			}
		}
	}
	waitMetric(t, p, `kaa_kpc_connections_closed_total{reason="bad_credentials"} 56`)
	waitMetric(t, p, `kaa_kpc_auth_total{method="basic",result="ok"} 16`)
}

// TestPasswordWithoutUserName: an MQTT v5 client may send a password alone;
// it proves nothing, so it is refused rather than taken for anonymous.
func TestPasswordWithoutUserName(t *testing.T) {
	p := startPlatform(t, nil)
	c := dialRaw(t, p.kpc.MQTTAddr())
	ack := c.connect(5, "pw-only", func(pk *packets.Packet) {
		pk.Connect.PasswordFlag, pk.Connect.Password = true, []byte(devicePassword)
	})
	if ack.ReasonCode != 0x86 {
		t.Fatalf("CONNACK %#x, want 0x86", ack.ReasonCode)
	}
}

// TestCAPProviderDown: without a verdict within AuthTimeout a client with
// credentials is refused with "server unavailable" (v5 0x88, v3.1.1 3), not
// left hanging; anonymous clients need no verdict.
func TestCAPProviderDown(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) {
		o.CAPProvider, o.AuthTimeout = "nobody-answers", 200*time.Millisecond
	})
	mustBasic(t, p, "kaa", "dev1")
	for _, version := range []byte{4, 5} {
		c := dialRaw(t, p.kpc.MQTTAddr())
		if ack := c.connect(version, fmt.Sprintf("down-%d", version), login("dev1@kaa", devicePassword)); ack.ReasonCode != wantCode(version, 3, 0x88) {
			t.Errorf("v%d: CONNACK %#x", version, ack.ReasonCode)
		}
		c.expectClosed(5 * time.Second)
	}
	dialRaw(t, p.kpc.MQTTAddr()).mustConnect(4, "anonymous", nil)
	waitMetric(t, p, `kaa_kpc_auth_total{method="basic",result="unavailable"} 2`)
}

// TestX509Authentication: on MQTT/TLS with --client-ca, a certificate of
// that CA which the CAP provider knows connects; one it does not know is
// refused (v5 0x87 "not authorized", v3.1.1 5); one of another CA, an
// expired one and one not meant for client authentication fail the TLS
// handshake. A client without a certificate still connects.
func TestX509Authentication(t *testing.T) {
	ca, other := testenv.NewCA(t, "Device CA"), testenv.NewCA(t, "Other CA")
	p := startAuthPlatform(t, ca, nil)
	good := ca.Issue(t, "device-1", 1001)
	unknown := ca.Issue(t, "device-2", 1002)
	foreign := other.Issue(t, "device-3", 1003)
	old := ca.Issue(t, "device-4", 1004, expired)
	serverOnly := ca.Issue(t, "device-5", 1005, serverAuthOnly)
	ctx := context.Background()
	for _, d := range []testenv.Cert{good, foreign, old, serverOnly} { // known to the provider: TLS must refuse them anyway
		if _, err := p.prov.AddCert(ctx, "kaa", d.PEM); err != nil {
			t.Fatal(err)
		}
	}
	base := trustedTLS(t, p)
	tests := []struct {
		name       string
		cert       testenv.Cert
		v3, v5     byte
		tlsRefused bool
	}{
		{"registered", good, 0, 0, false},
		{"unknown to the provider", unknown, 5, 0x87, false},
		{"from another CA", foreign, 0, 0, true},
		{"expired", old, 0, 0, true},
		{"not for client authentication", serverOnly, 0, 0, true},
	}
	n := 0
	for _, version := range []byte{4, 5} {
		for _, tc := range tests {
			n++
			t.Run(fmt.Sprintf("v%d/%s", version, tc.name), func(t *testing.T) {
				c := dialRawTLS(t, p.kpc.MQTTSAddr(), presenting(base, tc.cert))
				if tc.tlsRefused {
					_ = c.write(connectPacket(version, "x509-refused"))
					if pk, err := c.read(5 * time.Second); err == nil || !strings.Contains(err.Error(), "tls") {
						t.Fatalf("got %s, %v; want the TLS handshake refused", packets.PacketNames[pk.FixedHeader.Type], err)
					}
					return
				}
				connectAs(t, p, c, version, fmt.Sprintf("x509-%d", n), nil, wantCode(version, tc.v3, tc.v5))
			})
		}
	}
	dialRawTLS(t, p.kpc.MQTTSAddr(), base).mustConnect(4, "no-certificate", nil)
	waitMetric(t, p, `kaa_kpc_connections_closed_total{reason="client_certificate"} 6`)
	waitMetric(t, p, `kaa_kpc_auth_total{method="x509",result="refused"} 2`)
}

// TestClientIDTakeover: with authentication, a client ID in use may be
// taken over by the same credentials only; others are "not authorized".
func TestClientIDTakeover(t *testing.T) {
	p := startPlatform(t, nil)
	mustBasic(t, p, "kaa", "alice")
	mustBasic(t, p, "kaa", "mallory")
	first := dialRaw(t, p.kpc.MQTTAddr())
	first.mustConnect(5, "shared-id", login("alice@kaa", devicePassword))
	for _, tc := range []struct {
		name    string
		connect func(*packets.Packet)
	}{{"other credentials", login("mallory@kaa", devicePassword)}, {"anonymous", nil}} {
		c := dialRaw(t, p.kpc.MQTTAddr())
		if ack := c.connect(5, "shared-id", tc.connect); ack.ReasonCode != 0x87 {
			t.Errorf("%s: CONNACK %#x, want 0x87", tc.name, ack.ReasonCode)
		}
	}
	if reply, _ := first.roundTrip("kp1/app-v1/echo/tok1/ping/1", "still mine"); string(reply.Payload) != "still mine" {
		t.Fatalf("reply %q", reply.Payload)
	}
	dialRaw(t, p.kpc.MQTTAddr()).mustConnect(4, "shared-id", login("alice@kaa", devicePassword))
	first.expectClosed(5 * time.Second)
}
