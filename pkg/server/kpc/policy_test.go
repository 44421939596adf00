package kpc_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// twoTenants is a config with application "app" (app-v1) of tenant t1 and
// "app2" (app2-v1) of tenant t2.
func twoTenants(t *testing.T) kaaconfig.AppConfig {
	t.Helper()
	apps, err := kaaconfig.Parse([]byte(`
kaa:
  applications:
    app:
      tenant-id: t1
      versions: {app-v1: {allowed-extension-instances: [echo]}}
    app2:
      tenant-id: t2
      versions: {app2-v1: {allowed-extension-instances: [echo]}}
`))
	if err != nil {
		t.Fatal(err)
	}
	return apps
}

// startTenantsPlatform runs the platform with twoTenants, MQTT/TCP and
// MQTT/TLS; tok3 is an endpoint of app2.
func startTenantsPlatform(t *testing.T) *platform {
	t.Helper()
	dir := t.TempDir()
	p := startPlatform(t, func(o *kpc.Options) {
		o.Apps = twoTenants(t)
		o.MQTTSAddr = "127.0.0.1:0"
		o.TLSGenerate, o.TLSCert, o.TLSKey = true, filepath.Join(dir, "kpc.crt"), filepath.Join(dir, "kpc.key")
	})
	ctx := context.Background()
	if _, err := p.prov.CreateApp(ctx, "t2", "app2", []string{"app2-v1"}, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.prov.CreateEndpoint(ctx, "t2", "app2", "tok3"); err != nil {
		t.Fatal(err)
	}
	return p
}

// connected connects a raw client and makes one request, so that the
// session acts for the request's endpoint (and so its tenant).
func connected(t *testing.T, c *rawClient, version byte, clientID, topic string, connect func(*packets.Packet)) *rawClient {
	t.Helper()
	c.mustConnect(version, clientID, connect)
	stillServed(t, c, topic)
	return c
}

// stillServed checks that the session is connected and its requests relayed.
func stillServed(t *testing.T, c *rawClient, topic string) {
	t.Helper()
	if reply, _ := c.roundTrip(topic, "ping"); string(reply.Payload) != "ping" {
		t.Fatalf("reply on %s: %q", reply.TopicName, reply.Payload)
	}
}

// closedWithin waits for the server to close c, at most within; a v5
// client is told "not authorized" first.
func closedWithin(t *testing.T, c *rawClient, within time.Duration) {
	t.Helper()
	got := c.expectClosed(within)
	if c.version == 5 && (len(got) == 0 || got[len(got)-1].FixedHeader.Type != packets.Disconnect || got[len(got)-1].ReasonCode != 0x87) {
		t.Errorf("v5 client got %s before the close, want DISCONNECT 0x87", names(got))
	}
}

// refused401 publishes a request and expects the 401 of a tenant policy.
func refused401(t *testing.T, c *rawClient, topic string) {
	t.Helper()
	c.publish(topic, 0, 0, "x")
	pk := c.next(5 * time.Second)
	if pk.FixedHeader.Type != packets.Publish || pk.TopicName != topic+"/error" {
		t.Fatalf("got %s, want the error reply", names([]packets.Packet{pk}))
	}
	if b := errorBody(t, string(pk.Payload)); b.StatusCode != 401 || !strings.Contains(b.ReasonPhrase, "requires client authentication") {
		t.Fatalf("error %+v", b)
	}
}

const (
	t1Topic = "kp1/app-v1/echo/tok1/ping/1"
	t2Topic = "kp1/app2-v1/echo/tok3/ping/1"
)

// TestTenantPolicyAtRunTime: a 17/SCMP upsert requiring basic auth of
// tenant t1 on tcp disconnects t1's anonymous tcp sessions at once, leaves
// t1's tls sessions, t1's authenticated session and t2's tcp sessions
// connected, and refuses t1's anonymous traffic after; a delete admits it
// again.
func TestTenantPolicyAtRunTime(t *testing.T) {
	p := startTenantsPlatform(t)
	mustBasic(t, p, "t1", "gw")
	mustBasic(t, p, "t2", "gw") // the same user name in another tenant proves nothing for t1
	tcp, tlsConf := p.kpc.MQTTAddr(), trustedTLS(t, p)

	anonV5 := connected(t, dialRaw(t, tcp), 5, "anon-t1-v5", t1Topic, nil)
	anonV3 := connected(t, dialRaw(t, tcp), 4, "anon-t1-v3", t1Topic, nil)
	otherTenantUser := connected(t, dialRaw(t, tcp), 4, "gw-t2-on-t1", t1Topic, login("gw@t2", devicePassword))
	overTLS := connected(t, dialRawTLS(t, p.kpc.MQTTSAddr(), tlsConf), 4, "anon-t1-tls", t1Topic, nil)
	authed := connected(t, dialRaw(t, tcp), 5, "gw-t1", t1Topic, login("gw@t1", devicePassword))
	otherTenant := connected(t, dialRaw(t, tcp), 4, "anon-t2", t2Topic, nil)
	notYet := dialRaw(t, tcp)
	notYet.mustConnect(4, "anon-idle", nil) // acts for no endpoint yet

	publishEvent(t, p, "kaa.v1.events.tekton.service.configuration.upsert",
		`{"tenantId":"t1","config":{"kaa":{"tenants":{"t1":{"config":{"transports":{"mqtt":{"tcp":{"basic-auth":{"required":true}}}}}}}}}}`)
	for _, c := range []*rawClient{anonV5, anonV3, otherTenantUser} {
		closedWithin(t, c, time.Second)
	}
	stillServed(t, overTLS, t1Topic)
	stillServed(t, authed, t1Topic)
	stillServed(t, otherTenant, t2Topic)
	refused401(t, notYet, t1Topic)
	stillServed(t, notYet, t2Topic) // t2 requires nothing
	late := dialRaw(t, tcp)
	late.mustConnect(5, "anon-late", nil) // connecting anonymously is fine: traffic of t1 is not
	refused401(t, late, t1Topic)
	waitMetric(t, p, `kaa_kpc_connections_closed_total{reason="auth_required"} 3`)

	publishEvent(t, p, "kaa.v1.events.tekton.service.configuration.delete", `{"tenantId":"t1"}`)
	waitMetric(t, p, `kaa_kpc_config_events_total{result="applied"} 2`)
	stillServed(t, late, t1Topic)
}

// TestTenantPolicyEvents: events that may not change a tenant change
// nothing: another tenant's configuration in a tenant's event, x509 on tcp,
// garbage; an application-level event is not KPC's.
func TestTenantPolicyEvents(t *testing.T) {
	p := startTenantsPlatform(t)
	anon := connected(t, dialRaw(t, p.kpc.MQTTAddr()), 4, "anon-t1", t1Topic, nil)
	const subject = "kaa.v1.events.tekton.service.configuration.upsert"
	publishEvent(t, p, subject, `{"tenantId":"t2","config":{"kaa":{"tenants":{"t1":{"config":{"transports":{"mqtt":{"tcp":{"basic-auth":{"required":true}}}}}}}}}}`)
	publishEvent(t, p, subject, `{"tenantId":"t1","config":{"kaa":{"tenants":{"t1":{"config":{"transports":{"mqtt":{"tcp":{"x509-auth":{"required":true}}}}}}}}}}`)
	publishEvent(t, p, subject, `not json`)
	publishEvent(t, p, subject, `{"tenantId":"t1","appName":"app","config":{"kaa":{"bcx":{"tokens":{"expiration":60}}}}}`)
	waitMetric(t, p, `kaa_kpc_config_events_total{result="invalid"} 3`)
	stillServed(t, anon, t1Topic)
}

// TestTenantPolicyThroughProvider: the provider's tenant configuration (what
// `kaactl tenants policy set` calls) reaches KPC as a 17/SCMP event; x509
// required on tls refuses t1's anonymous and basic sessions there.
func TestTenantPolicyThroughProvider(t *testing.T) {
	p := startTenantsPlatform(t)
	mustBasic(t, p, "t1", "gw")
	tlsConf := trustedTLS(t, p)
	basicTLS := connected(t, dialRawTLS(t, p.kpc.MQTTSAddr(), tlsConf), 4, "gw-t1-tls", t1Topic, login("gw@t1", devicePassword))
	anonTCP := connected(t, dialRaw(t, p.kpc.MQTTAddr()), 4, "anon-t1-tcp", t1Topic, nil)

	requireThroughProvider(t, p, "t1", kaaconfig.TransportTLS, kaaconfig.AuthX509)
	closedWithin(t, basicTLS, time.Second)
	stillServed(t, anonTCP, t1Topic)
	if err := p.prov.DeleteTenantConfig(context.Background(), "t1"); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, p, `kaa_kpc_config_events_total{result="applied"} 2`)
	connected(t, dialRawTLS(t, p.kpc.MQTTSAddr(), tlsConf), 4, "gw-t1-tls", t1Topic, login("gw@t1", devicePassword))
}

// TestTenantPolicyFromConfigFile: kaa.tenants in the config file applies
// from the start.
func TestTenantPolicyFromConfigFile(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) {
		var t1 kaaconfig.Tenant
		if err := t1.Config.Set(kaaconfig.TransportTCP, kaaconfig.AuthBasic, true); err != nil {
			t.Fatal(err)
		}
		o.Apps = twoTenants(t)
		o.Apps.Tenants = map[string]kaaconfig.Tenant{"t1": t1}
	})
	c := dialRaw(t, p.kpc.MQTTAddr())
	c.mustConnect(4, "anonymous", nil)
	refused401(t, c, t1Topic)
}

// requireThroughProvider makes method required on transport for tenant in
// the provider's tenant configuration (as `kaactl tenants policy set` does).
func requireThroughProvider(t *testing.T, p *platform, tenant string, transport, method string) {
	t.Helper()
	var cfg kaaconfig.TenantConfig
	if err := cfg.Set(transport, method, true); err != nil {
		t.Fatal(err)
	}
	if err := p.prov.SetTenantConfig(context.Background(), tenant, cfg); err != nil {
		t.Fatal(err)
	}
}

// publishEvent publishes a JSON event on the platform's NATS.
func publishEvent(t *testing.T, p *platform, subject, body string) {
	t.Helper()
	if err := p.nc.Publish(subject, []byte(body)); err != nil {
		t.Fatal(err)
	}
	if err := p.nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

// TestTenantPolicySingleTenant: where every application is one tenant's
// (here: no application config, so all are kaa's, as in `kaactl up`), an
// anonymous session that has not used a token yet is that tenant's too: it
// is disconnected when the tenant starts requiring authentication, and
// refused when it comes back.
func TestTenantPolicySingleTenant(t *testing.T) {
	p := startPlatform(t, nil)
	mustBasic(t, p, "kaa", "gw")
	idle := dialRaw(t, p.kpc.MQTTAddr())
	idle.mustConnect(5, "idle-subscriber", nil)
	authed := dialRaw(t, p.kpc.MQTTAddr())
	authed.mustConnect(4, "gw", login("gw@kaa", devicePassword))
	requireThroughProvider(t, p, "kaa", kaaconfig.TransportTCP, kaaconfig.AuthBasic)
	closedWithin(t, idle, time.Second)
	stillServed(t, authed, t1TopicKaa)
	// Coming back anonymously is refused at CONNECT: it could carry no traffic.
	for _, version := range []byte{4, 5} {
		if ack := dialRaw(t, p.kpc.MQTTAddr()).connect(version, "idle-again", nil); ack.ReasonCode != wantCode(version, 5, 0x87) {
			t.Errorf("v%d: CONNACK %#x", version, ack.ReasonCode)
		}
	}
	dialRaw(t, p.kpc.MQTTAddr()).mustConnect(4, "gw-2", login("gw@kaa", devicePassword))
}
