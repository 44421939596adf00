package kpc_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

func startTLSPlatform(t *testing.T) (*platform, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tls")
	p := startPlatform(t, func(o *kpc.Options) {
		o.MQTTSAddr, o.WSAddr = "127.0.0.1:0", "127.0.0.1:0"
		o.TLSGenerate = true
		o.TLSCert, o.TLSKey = filepath.Join(dir, "kpc.crt"), filepath.Join(dir, "kpc.key")
	})
	return p, dir
}

// getBearer is a GET with Authorization: Bearer token (none when "").
func getBearer(t *testing.T, url, token string) (*http.Response, string) {
	t.Helper()
	var auth string
	if token != "" {
		auth = "Bearer " + token
	}
	return testenv.Get(t, url, "Authorization", auth)
}

// trustedTLS fetches the server certificate from GET /api/v1/cert.
func trustedTLS(t *testing.T, p *platform) *tls.Config {
	t.Helper()
	resp, body := testenv.Get(t, "http://"+p.kpc.RESTAddr()+"/api/v1/cert")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-pem-file" {
		t.Fatalf("GET /api/v1/cert: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	return testenv.TrustPEM(t, []byte(body))
}

func roundTrip(t *testing.T, c *testenv.MQTTClient, p *platform, payload string) {
	t.Helper()
	c.Publish(t, "kp1/app-v1/echo/tok1/ping/7", 1, payload)
	if m := c.Expect(t, "kp1/app-v1/echo/tok1/ping/7/status", 5*time.Second); m.Payload != payload {
		t.Errorf("reply %q, want %q", m.Payload, payload)
	}
	if cd := <-p.ext.seen; cd.EndpointID == nil || *cd.EndpointID != p.ep1 || string(cd.Payload) != payload {
		t.Errorf("ClientData = %+v", cd)
	}
}

func TestMQTTSAndWebSocketRoundTrip(t *testing.T) {
	p, dir := startTLSPlatform(t)
	if p.kpc.MQTTSAddr() == "" || p.kpc.WSAddr() == "" || strings.HasSuffix(p.kpc.MQTTSAddr(), ":0") || strings.HasSuffix(p.kpc.WSAddr(), ":0") {
		t.Fatalf("addresses not bound: mqtts %q ws %q", p.kpc.MQTTSAddr(), p.kpc.WSAddr())
	}
	if fi, err := os.Stat(filepath.Join(dir, "kpc.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("generated key: %v %v", fi, err)
	}
	// A TCP client subscribed to everything sees nothing of the other
	// transports: one hook isolates them all.
	spy := testenv.MQTT(t, p.kpc.MQTTAddr(), "spy")
	if tok := spy.Subscribe("#", 1, nil); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}

	tlsClient := testenv.MQTTURL(t, "ssl://"+p.kpc.MQTTSAddr(), "dev-tls", trustedTLS(t, p))
	roundTrip(t, tlsClient, p, "over-tls")
	wsClient := testenv.MQTTURL(t, "ws://"+p.kpc.WSAddr()+kpc.WSPath, "dev-ws", nil)
	roundTrip(t, wsClient, p, "over-ws")

	spy.Publish(t, "kp1/app-v1/echo/tok2/ping/1", 1, "mine")
	spy.Expect(t, "kp1/app-v1/echo/tok2/ping/1/status", 5*time.Second)
	if got := spy.Drain(); len(got) > 0 {
		t.Fatalf("tcp client received other transports' messages: %+v", got)
	}

	_, body := getBearer(t, "http://"+p.kpc.RESTAddr()+"/api/v1/sessions", p.admin)
	for _, l := range []string{`"transport":"mqtts"`, `"transport":"ws"`, `"transport":"mqtt"`} {
		if !strings.Contains(body, l) {
			t.Errorf("sessions lack %s: %s", l, body)
		}
	}
}

func TestMQTTSRejectsUntrustingClient(t *testing.T) {
	p, _ := startTLSPlatform(t)
	c, err := testenv.DialMQTT("ssl://"+p.kpc.MQTTSAddr(), "dev-untrusting", &tls.Config{RootCAs: x509.NewCertPool()})
	if err == nil {
		c.Disconnect(50)
		t.Fatal("a client that does not trust the certificate connected")
	}
	if !strings.Contains(err.Error(), "certificate") {
		t.Errorf("connect error %v does not mention the certificate", err)
	}
}

func TestWebSocketOnlyOnWSPath(t *testing.T) {
	p, _ := startTLSPlatform(t)
	for _, path := range []string{"/", "/mqtt", "/ws/x"} {
		if resp, _ := testenv.Get(t, "http://"+p.kpc.WSAddr()+path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
	if _, err := testenv.DialMQTT("ws://"+p.kpc.WSAddr()+"/mqtt", "dev-wrong-path", nil); err == nil {
		t.Error("MQTT over WebSocket connected on /mqtt")
	}
}

func TestCertNotFoundWithoutTLS(t *testing.T) {
	p := startPlatform(t, nil)
	resp, body := testenv.Get(t, "http://"+p.kpc.RESTAddr()+"/api/v1/cert")
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(body, `"error"`) {
		t.Fatalf("GET /api/v1/cert without TLS: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if p.kpc.MQTTSAddr() != "" || p.kpc.WSAddr() != "" {
		t.Errorf("disabled transports report addresses %q %q", p.kpc.MQTTSAddr(), p.kpc.WSAddr())
	}
}

func TestTLSOptionsValidation(t *testing.T) {
	opts := kpc.DefaultOptions()
	opts.MQTTSAddr = ":8883"
	opts.RequestTimeout = 0
	_, err := kpc.New(opts)
	if err == nil || !strings.Contains(err.Error(), "mqtts-addr needs tls-cert and tls-key") || !strings.Contains(err.Error(), "request timeout") {
		t.Fatalf("want every problem listed, got %v", err)
	}

	opts = kpc.DefaultOptions()
	opts.TLSCert = "x.crt"
	if _, err := kpc.New(opts); err == nil || !strings.Contains(err.Error(), "need mqtts-addr") {
		t.Fatalf("tls-cert without mqtts-addr: %v", err)
	}

	opts = kpc.DefaultOptions()
	opts.MQTTAddr, opts.HTTPAddr, opts.RESTAddr = "", "", ""
	opts.WSAddr = "127.0.0.1:0"
	if _, err := kpc.New(opts); err != nil {
		t.Fatalf("ws-only replica: %v", err)
	}
}

func TestMQTTSMissingFilesFailStart(t *testing.T) {
	ns := testenv.NATS(t)
	dir := t.TempDir()
	opts := kpc.DefaultOptions()
	opts.NATS.URL = ns.ClientURL()
	opts.MQTTAddr, opts.HTTPAddr, opts.RESTAddr = "127.0.0.1:0", "", ""
	opts.MQTTSAddr = "127.0.0.1:0"
	opts.TLSCert, opts.TLSKey = filepath.Join(dir, "no.crt"), filepath.Join(dir, "no.key")
	srv, err := kpc.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	err = srv.Start(context.Background())
	if err == nil {
		_ = srv.Shutdown(context.Background())
		t.Fatal("started without certificate files")
	}
	if !strings.Contains(err.Error(), "no.crt") {
		t.Errorf("error %v does not name the file", err)
	}
	if _, statErr := os.Stat(opts.TLSCert); statErr == nil {
		t.Error("a certificate was generated without tls-generate")
	}
}
