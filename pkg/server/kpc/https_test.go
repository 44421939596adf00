package kpc_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// startHTTPSPlatform runs KPC as `serve kpc --https-addr --path-prefix /kpc
// --tls-generate` does, its plain ports too.
func startHTTPSPlatform(t *testing.T, mutate func(*kpc.Options)) (*platform, *http.Client) {
	t.Helper()
	dir := t.TempDir()
	p := startPlatform(t, func(o *kpc.Options) {
		o.HTTPSAddr, o.PathPrefix, o.TLSGenerate = "127.0.0.1:0", "/kpc", true
		o.TLSCert, o.TLSKey = filepath.Join(dir, "kpc.crt"), filepath.Join(dir, "kpc.key")
		if mutate != nil {
			mutate(o)
		}
	})
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: trustedTLS(t, p)}}
	t.Cleanup(c.CloseIdleConnections)
	return p, c
}

func post(t *testing.T, c *http.Client, url, body string) (int, string) {
	t.Helper()
	resp, err := c.Post(url, "application/octet-stream", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestHTTPSAndPathPrefix(t *testing.T) {
	p, c := startHTTPSPlatform(t, nil)
	https, plain := "https://"+p.kpc.HTTPSAddr(), "http://"+p.kpc.HTTPAddr()
	for _, base := range []string{https, plain} {
		if status, body := post(t, c, base+"/kpc/kp1/app-v1/echo/tok1/ping", "hi"); status != 200 || body != "hi" {
			t.Errorf("%s/kpc/kp1/...: %d %q", base, status, body)
		}
		<-p.ext.seen
		// Without the prefix, or with another, nothing: a JSON 404.
		for _, path := range []string{"/kp1/app-v1/echo/tok1/ping", "/bcx/kp1/app-v1/echo/tok1/ping", "/kpcx/kp1/app-v1/echo/tok1/ping"} {
			status, body := post(t, c, base+path, "hi")
			if e := errorBody(t, body); status != 404 || e.StatusCode != 404 {
				t.Errorf("%s%s: %d %q, want a JSON 404", base, path, status, body)
			}
		}
	}
	resp, body := testenv.HTTP(t, c, http.MethodGet, https+"/kpc/api/v1/cert", nil)
	if resp.StatusCode != 200 || body != string(p.kpc.CertPEM()) {
		t.Errorf("/kpc/api/v1/cert: %d", resp.StatusCode)
	}
	if resp, _ := testenv.HTTP(t, c, http.MethodGet, https+"/kpc/health", nil); resp.StatusCode != 200 {
		t.Errorf("/kpc/health: %d", resp.StatusCode)
	}
	// The management port keeps its paths.
	if resp, _ := testenv.Get(t, "http://"+p.kpc.RESTAddr()+"/health"); resp.StatusCode != 200 {
		t.Errorf("management /health: %d", resp.StatusCode)
	}
	// MQTT over secure WebSocket on the same port, isolated like the rest.
	ws := testenv.MQTTURL(t, "wss://"+p.kpc.HTTPSAddr()+"/kpc"+kpc.WSPath, "dev-wss", trustedTLS(t, p))
	roundTrip(t, ws, p, "over-wss")
	if _, body := getBearer(t, "http://"+p.kpc.RESTAddr()+"/api/v1/sessions", p.admin); !strings.Contains(body, `"transport":"wss"`) {
		t.Errorf("sessions lack the wss transport: %s", body)
	}
}

// TestWebSocketOnHTTPSSharesTheBudget: an upgrade on the HTTPS port takes
// a slot of MaxConnections like any MQTT connection, and gives it back.
func TestWebSocketOnHTTPSSharesTheBudget(t *testing.T) {
	p, c := startHTTPSPlatform(t, func(o *kpc.Options) { o.MaxConnections = 1 })
	url := "wss://" + p.kpc.HTTPSAddr() + "/kpc" + kpc.WSPath
	dialer := websocket.Dialer{TLSClientConfig: trustedTLS(t, p), Subprotocols: []string{"mqtt"}}
	held := dialRaw(t, p.kpc.MQTTAddr())
	waitMetric(t, p, "kaa_kpc_connections 1\n")
	_, resp, err := dialer.Dial(url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("upgrade over the limit: %v %v", resp, err)
	}
	// Other requests on the port are no MQTT connections: still served.
	if status, _ := post(t, c, "https://"+p.kpc.HTTPSAddr()+"/kpc/kp1/app-v1/echo/tok1/ping", "x"); status != 200 {
		t.Errorf("1/KP over HTTPS with every MQTT slot taken: %d", status)
	}
	<-p.ext.seen
	held.conn.Close()
	waitMetric(t, p, "kaa_kpc_connections 0\n")
	ws := testenv.MQTTURL(t, url, "dev-wss", dialer.TLSClientConfig)
	roundTrip(t, ws, p, "freed slot")
	waitMetric(t, p, `kaa_kpc_connections_closed_total{reason="max_connections"} 1`)
}

// TestShutdownEndsWebSocketOnHTTPS: a drain disconnects MQTT clients of
// the HTTPS port too, and refuses new upgrades.
func TestShutdownEndsWebSocketOnHTTPS(t *testing.T) {
	dir := t.TempDir()
	p := newPlatform(t, func(o *kpc.Options) {
		o.HTTPSAddr, o.TLSGenerate = "127.0.0.1:0", true
		o.TLSCert, o.TLSKey = filepath.Join(dir, "kpc.crt"), filepath.Join(dir, "kpc.key")
	})
	ws := testenv.MQTTURL(t, "wss://"+p.kpc.HTTPSAddr()+kpc.WSPath, "dev-wss", trustedTLS(t, p))
	roundTrip(t, ws, p, "before")
	pending := dialRaw(t, p.kpc.MQTTAddr()) // no CONNECT yet
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.kpc.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	testenv.Receive(t, ws.Lost, 5*time.Second, "wss client still connected after Shutdown")
	pending.expectClosed(5 * time.Second)
	// The mounted handler (as `kaactl up` mounts it) refuses from now on.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	p.kpc.WSHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("upgrade after Shutdown: %d %s", rec.Code, rec.Body)
	}
}

func TestHTTPSOptionsValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*kpc.Options)
		want   string // "" for valid
	}{
		{"https without a certificate", func(o *kpc.Options) { o.HTTPSAddr = ":8443" }, "https-addr needs tls-cert and tls-key"},
		{"https with a generated certificate", func(o *kpc.Options) { o.HTTPSAddr, o.TLSGenerate = ":8443", true }, ""},
		{"https only", func(o *kpc.Options) {
			o.MQTTAddr, o.HTTPAddr, o.HTTPSAddr, o.TLSCert, o.TLSKey = "", "", ":8443", "c.crt", "c.key"
		}, ""},
		{"tls files without a TLS listener", func(o *kpc.Options) { o.TLSGenerate = true }, "need mqtts-addr, wss-addr or https-addr"},
		{"prefix with a trailing slash", func(o *kpc.Options) { o.PathPrefix = "/kpc/" }, "path-prefix"},
		{"relative prefix", func(o *kpc.Options) { o.PathPrefix = "kpc" }, "path-prefix"},
	} {
		o := kpc.DefaultOptions()
		tc.mutate(&o)
		err := o.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestShutdownDrainsHTTPS: a 1/KP request in flight on the HTTPS port is
// answered during a drain, and new ones are refused.
func TestShutdownDrainsHTTPS(t *testing.T) {
	p, c := startHTTPSPlatform(t, nil)
	url := "https://" + p.kpc.HTTPSAddr() + "/kpc/kp1/app-v1/echo/tok1/"
	type answer struct {
		status int
		body   string
	}
	held := make(chan answer, 1)
	go func() {
		resp, err := c.Post(url+"hold", "text/plain", strings.NewReader("late"))
		if err != nil {
			held <- answer{0, err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		held <- answer{resp.StatusCode, string(b)}
	}()
	<-p.ext.seen
	done := shutdownInBackground(p, 10*time.Second)
	testenv.Eventually(t, 5*time.Second, "draining", func() bool { return health(t, p) == 503 })
	close(p.ext.release)
	if a := <-held; a.status != 200 || a.body != "late" {
		t.Errorf("request in flight over HTTPS: %d %q", a.status, a.body)
	}
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}
