package kpc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/kp"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
	"github.com/kaactl/kaactl/pkg/server/kpc"
	"github.com/kaactl/kaactl/pkg/server/provider"
)

const (
	app  = "app-v1"
	tok1 = "tok1"
	tok2 = "tok2"
)

// testExt is an extension on NATS whose answer depends on the resource path:
// /ping echoes, /missing answers 404, /silent never answers, /hold waits for
// release.
type testExt struct {
	seen    chan ism.ClientData
	release chan struct{}
}

func startTestExt(t *testing.T, nc *nats.Conn, instance string) *testExt {
	t.Helper()
	x := &testExt{seen: make(chan ism.ClientData, 1024), release: make(chan struct{})}
	_, err := nc.Subscribe(ism.ServiceSubject(instance, ism.ProtoESP, ism.MsgClientData), func(m *nats.Msg) {
		var cd ism.ClientData
		if err := ism.Unmarshal(m.Data, &cd); err != nil {
			t.Errorf("extension got bad ClientData: %v", err)
			return
		}
		x.seen <- cd
		status, payload, reason := 200, cd.Payload, "OK"
		switch cd.ResourcePath {
		case "/silent":
			return
		case "/missing":
			status, payload, reason = 404, nil, "no such resource"
		case "/hold":
			go func() {
				<-x.release
				reply(t, nc, m.Reply, instance, &cd, status, payload, reason)
			}()
			return
		}
		reply(t, nc, m.Reply, instance, &cd, status, payload, reason)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return x
}

func reply(t *testing.T, nc *nats.Conn, subject, instance string, cd *ism.ClientData, status int, payload []byte, reason string) {
	data, err := ism.Marshal(&ism.ExtensionData{
		CorrelationID: cd.CorrelationID, Timestamp: ism.NowMillis(),
		AppVersionName: &cd.AppVersionName, ExtensionInstanceName: &instance,
		EndpointID: cd.EndpointID, ResourcePath: cd.ResourcePath, RequestID: cd.RequestID,
		Payload: payload, StatusCode: int32(status), ReasonPhrase: &reason,
	})
	if err != nil {
		t.Errorf("encode ExtensionData: %v", err)
		return
	}
	if err := nc.Publish(subject, data); err != nil {
		t.Errorf("publish reply: %v", err)
	}
}

// platform is the whole platform with the test extension answering as
// "echo" and endpoints of application "app" (version app-v1) with tokens
// tok1 and tok2, in the tenant KPC's config gives "app" (kaa by default).
type platform struct {
	kpc      *kpc.Server
	nc       *nats.Conn // the test's own connection to the platform's NATS
	ext      *testExt
	prov     *provider.Provider
	url      string // NATS, with its token
	admin    string // the admin token
	tenant   string // of application "app"
	ep1, ep2 string // endpoint IDs of tok1 and tok2
}

func startPlatform(t *testing.T, mutate func(*kpc.Options)) *platform {
	t.Helper()
	return newPlatform(t, mutate)
}

// newPlatform is startPlatform for tests that shut KPC down themselves
// (Shutdown is idempotent: the platform's cleanup does not mind).
func newPlatform(t *testing.T, mutate func(*kpc.Options)) *platform {
	t.Helper()
	tenant := kaaconfig.DefaultTenant
	// Without the platform's HTTPS origin, which would lend KPC its
	// certificate: KPC's own TLS options alone decide.
	pl := platformtest.Start(t, platformtest.NoEcho, platformtest.NoHTTPS, platformtest.KPC(func(o *kpc.Options) {
		o.MQTTSAddr, o.WSAddr, o.WSSAddr = "", "", ""
		o.RequestTimeout = 2 * time.Second
		if mutate != nil {
			mutate(o)
		}
		if o.Apps.Validate() == nil {
			tenant, _ = o.Apps.Tenant("app")
		}
	}))
	p := &platform{kpc: pl.KPC(), prov: pl.Provider(), url: pl.NATSURL(), admin: pl.AdminToken(), tenant: tenant}
	p.nc = testenv.Conn(t, p.url)
	p.ext = startTestExt(t, p.nc, "echo")
	ctx := context.Background()
	if _, err := p.prov.CreateApp(ctx, tenant, "app", []string{app}, false); err != nil {
		t.Fatal(err)
	}
	for token, id := range map[string]*string{tok1: &p.ep1, tok2: &p.ep2} {
		ep, _, err := p.prov.CreateEndpoint(ctx, tenant, "app", token)
		if err != nil {
			t.Fatal(err)
		}
		*id = ep.ID
	}
	return p
}

// revoke revokes the endpoint of tok1 at the provider.
func (p *platform) revoke(t *testing.T) {
	t.Helper()
	if err := p.prov.SetEndpointStatus(context.Background(), p.tenant, "app", p.ep1, provider.StatusRevoked); err != nil {
		t.Fatal(err)
	}
}

func errorBody(t *testing.T, payload string) kp.ErrorBody {
	t.Helper()
	var b kp.ErrorBody
	if err := json.Unmarshal([]byte(payload), &b); err != nil {
		t.Fatalf("error payload %q is not JSON: %v", payload, err)
	}
	if b.ReasonPhrase == "" {
		t.Errorf("error payload %q has no reasonPhrase", payload)
	}
	return b
}

func TestMQTTRoundTrip(t *testing.T) {
	p := startPlatform(t, nil)
	for _, qos := range []byte{0, 1} {
		c := testenv.MQTT(t, p.kpc.MQTTAddr(), "dev-qos"+string('0'+qos))
		c.Publish(t, "kp1/app-v1/echo/tok1/ping/7", qos, "hello")
		m := c.Expect(t, "kp1/app-v1/echo/tok1/ping/7/status", 5*time.Second)
		if m.Payload != "hello" || m.QoS != qos {
			t.Errorf("qos %d: reply %q qos %d, want hello qos %d", qos, m.Payload, m.QoS, qos)
		}
		cd := <-p.ext.seen
		if cd.EndpointID == nil || *cd.EndpointID != p.ep1 || cd.AppVersionName != app || cd.ResourcePath != "/ping" ||
			cd.RequestID == nil || *cd.RequestID != 7 || string(cd.Payload) != "hello" {
			t.Errorf("ClientData = %+v", cd)
		}
	}
}

func TestMQTTErrors(t *testing.T) {
	apps, err := kaaconfig.Parse([]byte(`
kaa:
  applications:
    app:
      versions:
        app-v1:
          allowed-extension-instances: [echo]
`))
	if err != nil {
		t.Fatal(err)
	}
	p := startPlatform(t, func(o *kpc.Options) { o.RequestTimeout = 300 * time.Millisecond; o.Apps = apps })
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "dev")
	tests := []struct {
		name, topic string
		status      int
	}{
		{"extension 404", "kp1/app-v1/echo/tok1/missing/1", 404},
		{"silent extension", "kp1/app-v1/echo/tok1/silent/2", 504},
		{"unknown token", "kp1/app-v1/echo/nope/ping/3", 401},
		{"extension not allowed", "kp1/app-v1/dcx/tok1/json/4", 404},
		{"unknown app version", "kp1/other-v1/echo/tok1/ping/5", 404},
		{"missing resource", "kp1/app-v1/echo/tok1", 400},
		{"request id overflow", "kp1/app-v1/echo/tok1/ping/99999999999", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Publish(t, tt.topic, 1, "x")
			m := c.Expect(t, tt.topic+"/error", 5*time.Second)
			if b := errorBody(t, m.Payload); b.StatusCode != tt.status {
				t.Errorf("statusCode %d, want %d (%s)", b.StatusCode, tt.status, b.ReasonPhrase)
			}
		})
	}
	// After all that the server still serves.
	c.Publish(t, "kp1/app-v1/echo/tok1/ping/9", 1, "still")
	if m := c.Expect(t, "kp1/app-v1/echo/tok1/ping/9/status", 5*time.Second); m.Payload != "still" {
		t.Errorf("payload %q", m.Payload)
	}
}

func TestNoIDRequestGetsReplyButNoTimeoutError(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) { o.RequestTimeout = 200 * time.Millisecond })
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "dev")
	c.Publish(t, "kp1/app-v1/echo/tok1/silent", 1, "x")
	<-p.ext.seen
	// Replies are in order per session: if a 504 were sent, it would come first.
	testenv.Eventually(t, 5*time.Second, "request expired", func() bool {
		return strings.Contains(metrics(t, p), `kaa_kpc_requests_total{extension="echo",status="504",transport="mqtt"} 1`)
	})
	c.Publish(t, "kp1/app-v1/echo/tok1/ping", 1, "answered")
	if m := c.Expect(t, "kp1/app-v1/echo/tok1/ping/status", 5*time.Second); m.Payload != "answered" {
		t.Errorf("payload %q", m.Payload)
	}
}

func TestIsolation(t *testing.T) {
	p := startPlatform(t, nil)
	a := testenv.MQTT(t, p.kpc.MQTTAddr(), "a")
	b := testenv.MQTT(t, p.kpc.MQTTAddr(), "b")
	for _, f := range []string{"#", "kp1/#", "kp1/app-v1/echo/tok1/#"} {
		if tok := b.Subscribe(f, 1, nil); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("subscribe %s: %v", f, tok.Error())
		}
	}
	for i := range 20 {
		topic := "kp1/app-v1/echo/tok1/ping/" + string(rune('0'+i%10))
		a.Publish(t, topic, 1, "secret")
		a.Expect(t, topic+"/status", 5*time.Second)
	}
	// Non-kp1 publishes are not routed either.
	a.Publish(t, "other/topic", 0, "leak")
	// b's own round trip is the barrier: anything routed to b came before it.
	b.Publish(t, "kp1/app-v1/echo/tok2/ping/1", 1, "mine")
	b.Expect(t, "kp1/app-v1/echo/tok2/ping/1/status", 5*time.Second)
	if got := b.Drain(); len(got) > 0 {
		t.Fatalf("b received other clients' messages: %+v", got)
	}
	testenv.Eventually(t, 5*time.Second, "rejection counted", func() bool {
		return strings.Contains(metrics(t, p), `kaa_kpc_rejected_publishes_total{reason="not_kp1"} 1`)
	})
	if m := metrics(t, p); !strings.Contains(m, `kaa_kpc_request_duration_seconds_count{transport="mqtt"} 21`) {
		t.Errorf("latency histogram does not count 21 MQTT requests")
	}
}

func TestRevocationClosesSessionAndELCE(t *testing.T) {
	p := startPlatform(t, nil)
	events := make(chan *nats.Msg, 16)
	if _, err := p.nc.ChanSubscribe("kaa.v1.events.kpc.endpoint.connectivity.*", events); err != nil {
		t.Fatal(err)
	}
	if err := p.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "dev")
	c.Publish(t, "kp1/app-v1/echo/tok1/ping/1", 1, "x")
	c.Expect(t, "kp1/app-v1/echo/tok1/ping/1/status", 5*time.Second)

	ev := <-events
	var conn ism.EndpointConnected
	if err := ism.Unmarshal(ev.Data, &conn); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(ev.Subject, ".connected") || conn.Endpoints[p.ep1] != app || len(conn.Endpoints) != 1 {
		t.Errorf("connected event on %s: %+v", ev.Subject, conn)
	}
	if conn.OriginatorReplicaID != p.kpc.ReplicaID() {
		t.Errorf("originatorReplicaId %q", conn.OriginatorReplicaID)
	}

	revoked := time.Now()
	p.revoke(t)
	testenv.Receive(t, c.Lost, time.Second, "session still open 1s after its token was revoked")
	t.Logf("session closed %v after revocation", time.Since(revoked))
	ev = <-events
	var disc ism.EndpointDisconnected
	if err := ism.Unmarshal(ev.Data, &disc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(ev.Subject, ".disconnected") || disc.Endpoints[p.ep1] != app {
		t.Errorf("disconnected event on %s: %+v", ev.Subject, disc)
	}
	// The revoked token is refused from now on.
	c2 := testenv.MQTT(t, p.kpc.MQTTAddr(), "dev2")
	c2.Publish(t, "kp1/app-v1/echo/tok1/ping/2", 1, "x")
	if b := errorBody(t, c2.Expect(t, "kp1/app-v1/echo/tok1/ping/2/error", 5*time.Second).Payload); b.StatusCode != 401 {
		t.Errorf("status %d", b.StatusCode)
	}
}

func TestExtensionInitiatedDelivery(t *testing.T) {
	p := startPlatform(t, nil)
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "dev")
	other := testenv.MQTT(t, p.kpc.MQTTAddr(), "other")
	c.Publish(t, "kp1/app-v1/echo/tok1/ping/1", 1, "x")
	c.Expect(t, "kp1/app-v1/echo/tok1/ping/1/status", 5*time.Second)
	other.Publish(t, "kp1/app-v1/echo/tok2/ping/1", 1, "x")
	other.Expect(t, "kp1/app-v1/echo/tok2/ping/1/status", 5*time.Second)

	ext, ep, a := "cex", p.ep1, app
	data, err := ism.Marshal(&ism.ExtensionData{
		CorrelationID: ism.NewCorrelationID(), Timestamp: ism.NowMillis(),
		AppVersionName: &a, ExtensionInstanceName: &ext, EndpointID: &ep,
		ResourcePath: "/command/reboot", Payload: []byte(`[{"id":1}]`), StatusCode: 200,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.nc.Publish("kaa.v1.service.kpc.esp.ExtensionData", data); err != nil {
		t.Fatal(err)
	}
	m := c.Expect(t, "kp1/app-v1/cex/tok1/command/reboot/status", 5*time.Second)
	if m.Payload != `[{"id":1}]` {
		t.Errorf("payload %q", m.Payload)
	}
	if got := other.Drain(); len(got) > 0 {
		t.Errorf("another endpoint's session got %+v", got)
	}
}

func TestHTTPTransport(t *testing.T) {
	p := startPlatform(t, nil)
	base := "http://" + p.kpc.HTTPAddr()
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"echo", "POST", "/kp1/app-v1/echo/tok1/ping", "hello", 200, "hello"},
		{"extension 404", "POST", "/kp1/app-v1/echo/tok1/missing", "", 404, `"statusCode":404`},
		{"bad token", "POST", "/kp1/app-v1/echo/bad/ping", "x", 401, `"statusCode":401`},
		{"malformed", "POST", "/kp1/app-v1", "x", 400, `"statusCode":400`},
		{"GET", "GET", "/kp1/app-v1/echo/tok1/ping", "", 405, `"statusCode":405`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
				t.Errorf("%d %q, want %d containing %q", resp.StatusCode, body, tt.status, tt.want)
			}
		})
	}
	cd := <-p.ext.seen
	if cd.EndpointID == nil || *cd.EndpointID != p.ep1 || cd.ResourcePath != "/ping" {
		t.Errorf("ClientData %+v", cd)
	}
}

func TestHTTPPayloadLimit(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) { o.MaxPayload = 1024 })
	resp, err := http.Post("http://"+p.kpc.HTTPAddr()+"/kp1/app-v1/echo/tok1/ping", "", strings.NewReader(strings.Repeat("x", 2048)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
}

func metrics(t *testing.T, p *platform) string {
	t.Helper()
	resp, err := http.Get("http://" + p.kpc.RESTAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func health(t *testing.T, p *platform) int {
	t.Helper()
	resp, err := http.Get("http://" + p.kpc.RESTAddr() + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestHealthAndMetrics(t *testing.T) {
	ns := testenv.NATS(t)
	opts := kpc.DefaultOptions()
	opts.NATS.URL = ns.ClientURL()
	opts.MQTTAddr, opts.HTTPAddr, opts.RESTAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	opts.RequestTimeout = 300 * time.Millisecond
	srv, err := kpc.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	p := &platform{kpc: srv}
	testenv.Eventually(t, 5*time.Second, "health 200", func() bool { return health(t, p) == 200 })
	c := testenv.MQTT(t, srv.MQTTAddr(), "dev")
	c.Publish(t, "kp1/app-v1/echo/tok1/ping/1", 1, "x")
	// No token provider on this NATS: NATS says so, and the request is refused at once.
	if b := errorBody(t, c.Expect(t, "kp1/app-v1/echo/tok1/ping/1/error", 10*time.Second).Payload); b.StatusCode != 503 {
		t.Errorf("status %d, want 503", b.StatusCode)
	}
	m := metrics(t, p)
	for _, want := range []string{"kaa_kpc_sessions 1", `kaa_kpc_requests_total{extension="echo",status="503",transport="mqtt"} 1`, "go_goroutines"} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	ns.Shutdown()
	testenv.Eventually(t, 5*time.Second, "health 503 with NATS down", func() bool { return health(t, p) == 503 })
}

// shutdownInBackground runs KPC's Shutdown (deadline d) in a goroutine
// and hands its error back, so the test can watch the drain meanwhile.
func shutdownInBackground(p *platform, d time.Duration) <-chan error {
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		done <- p.kpc.Shutdown(ctx)
	}()
	return done
}

func TestShutdownDrainsInFlight(t *testing.T) {
	p := startPlatform(t, nil)
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "dev")
	c.Publish(t, "kp1/app-v1/echo/tok1/hold/1", 1, "late")
	<-p.ext.seen
	done := shutdownInBackground(p, 10*time.Second)
	testenv.Eventually(t, 5*time.Second, "draining", func() bool { return health(t, p) == 503 })
	close(p.ext.release)
	if m := c.Expect(t, "kp1/app-v1/echo/tok1/hold/1/status", 5*time.Second); m.Payload != "late" {
		t.Errorf("payload %q", m.Payload)
	}
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// TestShutdownSkipsRequestsOfGoneClients: a request whose client has
// disconnected cannot be answered, so a drain does not wait for it (it used
// to wait until the request timed out or the drain deadline passed).
func TestShutdownSkipsRequestsOfGoneClients(t *testing.T) {
	p := newPlatform(t, func(o *kpc.Options) { o.RequestTimeout = time.Minute })
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "leaver")
	c.Publish(t, "kp1/app-v1/echo/tok1/hold/1", 1, "never answered")
	<-p.ext.seen
	c.Disconnect(50)
	testenv.Eventually(t, 5*time.Second, "session gone", func() bool {
		return strings.Contains(metrics(t, p), "kaa_kpc_sessions 0")
	})
	done := shutdownInBackground(p, 30*time.Second)
	// The held request is never released: its reply would race the test's
	// NATS cleanup, and nobody could receive it anyway.
	if err := testenv.Receive(t, done, 10*time.Second, "Shutdown still waits for the reply of a client that left"); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// TestShutdownWhileClientsDisconnect is the regression test for Shutdown
// hanging when clients disconnect while the MQTT listeners close: every round
// connects clients over TCP and WebSocket, each binds an endpoint, then all
// of them disconnect at the moment Shutdown starts.
func TestShutdownWhileClientsDisconnect(t *testing.T) {
	const clients = 100
	rounds := 10
	if testing.Short() {
		rounds = 2
	}
	for round := range rounds {
		ok := t.Run(fmt.Sprintf("round %d", round), func(t *testing.T) {
			p := newPlatform(t, func(o *kpc.Options) { o.WSAddr = "127.0.0.1:0" })
			urls := []string{"tcp://" + p.kpc.MQTTAddr(), "ws://" + p.kpc.WSAddr() + kpc.WSPath}
			cs := make([]*testenv.MQTTClient, clients)
			errs := make(chan error, clients)
			var connected sync.WaitGroup
			for i := range cs {
				connected.Add(1)
				go func() {
					defer connected.Done()
					c, err := testenv.DialMQTT(urls[i%len(urls)], fmt.Sprintf("dev-%d", i), nil)
					if err != nil {
						errs <- err
						return
					}
					cs[i] = c
					errs <- bindEndpoint(c, fmt.Sprintf("kp1/app-v1/echo/tok%d/ping/%d", 1+i%2, i))
				}()
			}
			connected.Wait()
			for range cs {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}

			start := make(chan struct{})
			var gone sync.WaitGroup
			for _, c := range cs {
				gone.Add(1)
				go func() {
					defer gone.Done()
					<-start
					c.Disconnect(0)
				}()
			}
			shut := make(chan error, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				<-start
				shut <- p.kpc.Shutdown(ctx)
			}()
			close(start)
			select {
			case err := <-shut:
				if err != nil {
					t.Errorf("shutdown: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("Shutdown hung while %d clients disconnected; goroutines:\n%s", clients, stacks("mochi-mqtt", "kpc"))
			}
			if !waitGroupWithin(&gone, 10*time.Second) {
				t.Fatal("clients still disconnecting after shutdown")
			}
		})
		if !ok {
			return
		}
	}
}

// bindEndpoint makes one request with a token and waits for its answer, so
// the session has an endpoint (and a disconnect is an ELCE event).
func bindEndpoint(c *testenv.MQTTClient, topic string) error {
	if tok := c.Client.Publish(topic, 1, false, "x"); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		return fmt.Errorf("publish %s: %v", topic, tok.Error())
	}
	select {
	case m := <-c.Msgs:
		if m.Topic != topic+"/status" {
			return fmt.Errorf("reply on %s: %s", m.Topic, m.Payload)
		}
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("no reply to %s", topic)
	}
}

func waitGroupWithin(wg *sync.WaitGroup, within time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(within):
		return false
	}
}

// stacks returns the stacks of the goroutines that mention any of words.
func stacks(words ...string) string {
	buf := make([]byte, 64<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out strings.Builder
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, w := range words {
			if strings.Contains(g, w) {
				out.WriteString(g + "\n\n")
				break
			}
		}
	}
	return out.String()
}

func TestOversizedPublishDisconnectsOnlyThatClient(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) { o.MaxPayload = 1024 })
	big := testenv.MQTT(t, p.kpc.MQTTAddr(), "big")
	other := testenv.MQTT(t, p.kpc.MQTTAddr(), "other")
	big.Client.Publish("kp1/app-v1/echo/tok1/ping/1", 1, false, strings.Repeat("x", 200*1024))
	testenv.Receive(t, big.Lost, 5*time.Second, "client with an oversized packet still connected")
	other.Publish(t, "kp1/app-v1/echo/tok2/ping/1", 1, "fine")
	other.Expect(t, "kp1/app-v1/echo/tok2/ping/1/status", 5*time.Second)
}

func TestBrokenExtensionDataIsCountedNotFatal(t *testing.T) {
	p := startPlatform(t, nil)
	for _, subj := range []string{"kaa.v1.service.kpc.esp.ExtensionData", "kaa.v1.replica." + p.kpc.ReplicaID() + ".esp.ExtensionData"} {
		if err := p.nc.Publish(subj, []byte{0xff, 0x01, 0x02}); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Eventually(t, 5*time.Second, "decode errors counted", func() bool {
		return strings.Contains(metrics(t, p), `kaa_kpc_nats_errors_total{op="decode"} 2`)
	})
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "dev")
	c.Publish(t, "kp1/app-v1/echo/tok1/ping/1", 1, "ok")
	c.Expect(t, "kp1/app-v1/echo/tok1/ping/1/status", 5*time.Second)
}

// TestShutdownAfterFailedStart: a Start that fails (here the HTTP port is
// taken) leaves nothing running, and a later Shutdown neither panics nor
// hangs.
func TestShutdownAfterFailedStart(t *testing.T) {
	ns := testenv.NATS(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	opts := kpc.DefaultOptions()
	opts.NATS.URL, opts.MQTTAddr, opts.HTTPAddr, opts.RESTAddr = ns.ClientURL(), "127.0.0.1:0", taken.Addr().String(), "127.0.0.1:0"
	k, err := kpc.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Start(context.Background()); err == nil {
		t.Fatal("Start succeeded on a taken HTTP port")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = k.Shutdown(ctx)
	if ctx.Err() != nil {
		t.Error("Shutdown after a failed Start ran into its deadline")
	}
}
