package kpc_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth/authtest"
	"github.com/kaactl/kaactl/pkg/server/kpc"
	"github.com/kaactl/kaactl/pkg/server/provider"
)

// startReplica runs a second KPC replica on the platform's NATS, MQTT/TCP only.
func startReplica(t *testing.T, p *platform) *kpc.Server {
	t.Helper()
	k := startKPC(t, p, func(o *kpc.Options) { o.MQTTAddr, o.HTTPAddr, o.RESTAddr = "127.0.0.1:0", "", "" })
	testenv.Eventually(t, 5*time.Second, "second replica ready", k.Ready)
	return k
}

// startKPC starts one more KPC on the platform's NATS, with its default
// options changed by mutate; it shuts down at cleanup.
func startKPC(t *testing.T, p *platform, mutate func(*kpc.Options)) *kpc.Server {
	t.Helper()
	o := kpc.DefaultOptions()
	o.NATS.URL = p.url
	mutate(&o)
	k, err := kpc.New(o)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Start(t, "kpc", k)
	return k
}

// TestCredentialRevocation: revoking basic or X.509 credentials (22/CAP
// revoked event) closes every session that authenticated with them, on
// every replica, within a second; other sessions stay; reconnecting with
// them is refused.
func TestCredentialRevocation(t *testing.T) {
	ca := testenv.NewCA(t, "Device CA")
	p := startAuthPlatform(t, ca, nil)
	replica := startReplica(t, p)
	ctx := context.Background()
	basicID := mustBasic(t, p, "kaa", "dev1")
	mustBasic(t, p, "kaa", "dev2")
	device := ca.Issue(t, "device-1", 2001)
	cert, err := p.prov.AddCert(ctx, "kaa", device.PEM)
	if err != nil {
		t.Fatal(err)
	}
	tlsConf := presenting(trustedTLS(t, p), device)

	here := connected(t, dialRaw(t, p.kpc.MQTTAddr()), 5, "dev1-here", t1TopicKaa, login("dev1@kaa", devicePassword))
	there := connected(t, dialRaw(t, replica.MQTTAddr()), 4, "dev1-there", t1TopicKaa, login("dev1@kaa", devicePassword))
	other := connected(t, dialRaw(t, p.kpc.MQTTAddr()), 4, "dev2", t1TopicKaa, login("dev2@kaa", devicePassword))
	byCert := connected(t, dialRawTLS(t, p.kpc.MQTTSAddr(), tlsConf), 5, "device-1", t1TopicKaa, nil)

	if err := p.prov.RevokeBasic(ctx, "kaa", basicID); err != nil {
		t.Fatal(err)
	}
	closedWithin(t, here, time.Second)
	closedWithin(t, there, time.Second)
	stillServed(t, other, t1TopicKaa)
	stillServed(t, byCert, t1TopicKaa)
	for _, addr := range []string{p.kpc.MQTTAddr(), replica.MQTTAddr()} {
		if ack := dialRaw(t, addr).connect(5, "dev1-again", login("dev1@kaa", devicePassword)); ack.ReasonCode != 0x86 {
			t.Errorf("reconnect with revoked basic credentials: CONNACK %#x, want 0x86", ack.ReasonCode)
		}
	}

	if err := p.prov.RevokeCert(ctx, "kaa", cert.ID); err != nil {
		t.Fatal(err)
	}
	closedWithin(t, byCert, time.Second)
	stillServed(t, other, t1TopicKaa)
	if ack := dialRawTLS(t, p.kpc.MQTTSAddr(), tlsConf).connect(4, "device-1", nil); ack.ReasonCode != 5 {
		t.Errorf("reconnect with a revoked certificate: CONNACK %#x, want 5", ack.ReasonCode)
	}
	waitMetric(t, p, `kaa_kpc_connections_closed_total{reason="credentials_revoked"} 2`)
}

// TestCredentialSuspension: suspending basic or X.509 credentials closes
// their sessions like a revocation and refuses them at CONNECT; once
// re-activated they connect again, on a KPC that remembers nothing of it.
func TestCredentialSuspension(t *testing.T) {
	ca := testenv.NewCA(t, "Device CA")
	p := startAuthPlatform(t, ca, nil)
	ctx := context.Background()
	basicID := mustBasic(t, p, "kaa", "dev1")
	device := ca.Issue(t, "device-1", 2002)
	cert, err := p.prov.AddCert(ctx, "kaa", device.PEM)
	if err != nil {
		t.Fatal(err)
	}
	tlsConf := presenting(trustedTLS(t, p), device)
	tests := []struct {
		name  string
		dial  func() *rawClient
		login func(*packets.Packet)
		set   func(st provider.Status) error
		// refused is the CONNACK code of suspended credentials.
		refused byte
	}{
		{"basic", func() *rawClient { return dialRaw(t, p.kpc.MQTTAddr()) }, login("dev1@kaa", devicePassword),
			func(st provider.Status) error { return p.prov.SetBasicStatus(ctx, "kaa", basicID, st) }, 0x86},
		{"x509", func() *rawClient { return dialRawTLS(t, p.kpc.MQTTSAddr(), tlsConf) }, nil,
			func(st provider.Status) error { return p.prov.SetCertStatus(ctx, "kaa", cert.ID, st) }, 0x87},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sess := connected(t, tt.dial(), 5, "dev-"+tt.name, t1TopicKaa, tt.login)
			if err := tt.set(provider.StatusSuspended); err != nil {
				t.Fatal(err)
			}
			closedWithin(t, sess, time.Second)
			if ack := tt.dial().connect(5, "dev-"+tt.name, tt.login); ack.ReasonCode != tt.refused {
				t.Errorf("connect while suspended: CONNACK %#x, want %#x", ack.ReasonCode, tt.refused)
			}
			if err := tt.set(provider.StatusActive); err != nil {
				t.Fatal(err)
			}
			stillServed(t, connected(t, tt.dial(), 5, "dev-"+tt.name, t1TopicKaa, tt.login), t1TopicKaa)
		})
	}
}

// TestRevocationWhileAnswering: a provider that revokes credentials or a
// token while its answer admitting them is on its way (here: it publishes
// the revoked event, then answers 200) does not leave a session behind:
// the event can reach KPC before the session is registered, and KPC
// still closes it; a request on such a token is not relayed.
func TestRevocationWhileAnswering(t *testing.T) {
	tests := []struct {
		name    string
		options func(*kpc.Options)
		respond func(t *testing.T, nc *nats.Conn) // the racy provider
		client  func(t *testing.T, p *platform) *rawClient
	}{
		{"basic credentials", func(o *kpc.Options) { o.CAPProvider = "racy" },
			func(t *testing.T, nc *nats.Conn) {
				answer(t, nc, ism.ServiceSubject("racy", ism.ProtoCAP, ism.MsgBasicRequest), func(data []byte) any {
					var req ism.BasicAuthenticationRequest
					mustDecode(t, data, &req)
					publishAvro(t, nc, ism.EventSubject("racy", ism.EntityClientCredentials, ism.GroupBasic, ism.EventRevoked),
						&ism.CredentialsRevokedEvent{CorrelationID: ism.NewCorrelationID(), TenantID: req.TenantID, CredentialsID: "c-race", OriginatorReplicaID: "racy"})
					id, client := "c-race", "race"
					return &ism.BasicAuthenticationResponse{CorrelationID: req.CorrelationID, CredentialsID: &id, ClientID: &client, StatusCode: 200}
				})
			},
			func(t *testing.T, p *platform) *rawClient {
				c := dialRaw(t, p.kpc.MQTTAddr())
				pk := connectPacket(4, "race")
				login("race@kaa", devicePassword)(&pk)
				c.send(pk)
				return c
			}},
		{"endpoint token", nil, // a replica of its own asks racy: the platform's provider would answer as ECAP instance racy too
			func(t *testing.T, nc *nats.Conn) {
				answer(t, nc, ism.ServiceSubject("racy", ism.ProtoECAP, ism.MsgEPTokenRequest), func(data []byte) any {
					var req ism.EndpointTokenValidationRequest
					mustDecode(t, data, &req)
					publishAvro(t, nc, ism.EventSubject("racy", ism.EntityEndpoint, ism.GroupToken, ism.EventRevoked),
						&ism.EndpointTokenRevokedEvent{CorrelationID: ism.NewCorrelationID(), AppName: req.AppName, EndpointID: "ep-race", TokenIDs: []string{"t-race"}, OriginatorReplicaID: "racy"})
					tokenID, endpointID := "t-race", "ep-race"
					return &ism.EndpointTokenValidationResponse{CorrelationID: req.CorrelationID, TokenID: &tokenID, EndpointID: &endpointID, StatusCode: 200}
				})
			},
			func(t *testing.T, p *platform) *rawClient {
				k := startKPC(t, p, func(o *kpc.Options) {
					o.ECAPProvider, o.MQTTAddr, o.HTTPAddr, o.RESTAddr = "racy", "127.0.0.1:0", "", ""
				})
				testenv.Eventually(t, 5*time.Second, "racy replica ready", k.Ready)
				c := dialRaw(t, k.MQTTAddr())
				c.mustConnect(4, "race", nil)
				c.publish("kp1/app-v1/echo/racy-token/ping/1", 0, 0, "x")
				return c
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startPlatform(t, tt.options)
			tt.respond(t, p.nc)
			c := tt.client(t, p)
			if got, closed := c.waitClosed(2 * time.Second); !closed {
				t.Fatalf("session still open 2 s after its admission was revoked (received %s %q)", names(got), got[0].Payload)
			}
			select {
			case cd := <-p.ext.seen:
				t.Errorf("a request on a revoked token was relayed: %s", cd.ResourcePath)
			default:
			}
		})
	}
}

// answer serves subject on nc: each request's answer is what respond
// makes of its data, Avro-encoded.
func answer(t *testing.T, nc *nats.Conn, subject string, respond func(data []byte) any) {
	t.Helper()
	_, err := nc.Subscribe(subject, func(m *nats.Msg) {
		data, err := ism.Marshal(respond(m.Data))
		if err != nil {
			t.Errorf("encode answer: %v", err)
			return
		}
		if err := m.Respond(data); err != nil {
			t.Errorf("answer: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

func mustDecode(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := ism.Unmarshal(data, v); err != nil {
		t.Errorf("decode request: %v", err)
	}
}

// publishAvro publishes ev on subject and waits for the server to have it,
// so that it goes out before anything published after.
func publishAvro(t *testing.T, nc *nats.Conn, subject string, ev any) {
	t.Helper()
	data, err := ism.Marshal(ev)
	if err == nil {
		err = nc.Publish(subject, data)
	}
	if err == nil {
		err = nc.Flush()
	}
	if err != nil {
		t.Errorf("publish %s: %v", subject, err)
	}
}

const t1TopicKaa = "kp1/app-v1/echo/tok1/ping/1"

// TestSessionsAPI: GET /api/v1/sessions needs a tenant JWT with
// endpoint:read and lists only that tenant's sessions, with how they
// authenticated; /health, /metrics and /api/v1/cert need nothing.
func TestSessionsAPI(t *testing.T) {
	t1, t2 := authtest.NewIssuer(t, "t1"), authtest.NewIssuer(t, "t2")
	dir := t.TempDir()
	p := startPlatform(t, func(o *kpc.Options) {
		o.Apps = twoTenants(t)
		a, err := auth.ForIssuers([]string{"t1=" + t1.URL, "t2=" + t2.URL}, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		o.Auth = a
		o.MQTTSAddr = "127.0.0.1:0"
		o.TLSGenerate, o.TLSCert, o.TLSKey = true, dir+"/kpc.crt", dir+"/kpc.key"
	})
	ctx := context.Background()
	if _, err := p.prov.CreateApp(ctx, "t2", "app2", []string{"app2-v1"}, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.prov.CreateEndpoint(ctx, "t2", "app2", "tok3"); err != nil {
		t.Fatal(err)
	}
	mustBasic(t, p, "t1", "gw")
	connected(t, dialRaw(t, p.kpc.MQTTAddr()), 4, "gw-t1", t1Topic, login("gw@t1", devicePassword))
	connected(t, dialRaw(t, p.kpc.MQTTAddr()), 4, "anon-t2", t2Topic, nil)

	url := "http://" + p.kpc.RESTAddr() + "/api/v1/sessions"
	list := func(token string) (int, []api.Session) {
		t.Helper()
		resp, body := getBearer(t, url, token)
		var out struct {
			Sessions []api.Session `json:"sessions"`
		}
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal([]byte(body), &out); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
		}
		return resp.StatusCode, out.Sessions
	}
	status, sessions := list(t1.Token(t, "ops", time.Hour, kpc.ScopeSessions))
	if status != http.StatusOK || len(sessions) != 1 || sessions[0].ClientID != "gw-t1" || sessions[0].Identity == nil ||
		sessions[0].Identity.Kind != "basic" || sessions[0].Identity.Tenant != "t1" || sessions[0].Identity.Subject != "gw" || len(sessions[0].Endpoints) != 1 {
		t.Fatalf("t1's sessions: %d %+v", status, sessions)
	}
	if status, sessions = list(t2.Token(t, "ops", time.Hour, kpc.ScopeSessions)); status != http.StatusOK || len(sessions) != 1 ||
		sessions[0].ClientID != "anon-t2" || sessions[0].Identity != nil {
		t.Fatalf("t2's sessions: %d %+v", status, sessions)
	}
	for name, token := range map[string]string{"no token": "", "wrong scope": t1.Token(t, "ops", time.Hour, "tenant:read"),
		"the admin token of another setup": p.admin, "impostor": t1.ImpostorToken(t, "ops", kpc.ScopeSessions)} {
		if status, _ := list(token); status != http.StatusUnauthorized && status != http.StatusForbidden {
			t.Errorf("%s: %d, want 401 or 403", name, status)
		}
	}
	for _, path := range []string{"/health", "/metrics", "/api/v1/cert"} {
		if resp, _ := testenv.Get(t, "http://"+p.kpc.RESTAddr()+path); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s without a token: %d", path, resp.StatusCode)
		}
	}
}
