package platform_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/kp"
	"github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
	"github.com/kaactl/kaactl/pkg/server/bcx"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// cloud is a running platform seen from a device that moved from Kaa: the
// HTTPS origin, trusted through the certificate KPC serves, and an
// endpoint token of the demo application.
type cloud struct {
	p      *platform.Platform
	origin string // https://127.0.0.1:<port>
	tls    *tls.Config
	client *http.Client
	token  string
}

func startCloud(t *testing.T, opts ...func(*platform.Options)) *cloud {
	t.Helper()
	p := platformtest.Start(t, opts...)
	// As `kaactl cert fetch` or `curl -o kpc.crt .../api/v1/cert` does.
	_, certPEM := testenv.Get(t, "http://"+p.KPC().RESTAddr()+"/api/v1/cert")
	c := &cloud{p: p, origin: "https://" + p.HTTPSAddr(), tls: testenv.TrustPEM(t, []byte(certPEM))}
	c.client = &http.Client{Transport: &http.Transport{TLSClientConfig: c.tls}}
	t.Cleanup(c.client.CloseIdleConnections)
	var err error
	if _, c.token, err = p.Provider().CreateEndpoint(context.Background(), platform.DemoTenant, platform.DemoApp, "py-device-1"); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *cloud) do(t *testing.T, method, url, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	return testenv.HTTP(t, c.client, method, url, strings.NewReader(body), hdr...)
}

// uploadToken asks BCX for an upload token with 1/KP over HTTPS, as Kaa's
// docs do: POST https://<host>/kpc/kp1/<appVersion>/bcx/<token>/token.
func (c *cloud) uploadToken(t *testing.T) string {
	t.Helper()
	resp, body := c.do(t, "POST", c.origin+"/kpc/kp1/demo-v1/bcx/"+c.token+"/token", "")
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(body), &tok); err != nil || resp.StatusCode != http.StatusOK || tok.Token == "" {
		t.Fatalf("token over HTTPS: %d %q", resp.StatusCode, body)
	}
	return tok.Token
}

// pythonUpload sends, byte for byte, the request of Kaa's Python client
// library: KaaMqttClient.publish_binary_file(file_name, kaa_domain_url)
// posts with requests to https://<domain>/bcx/api/v1/binary-data with
// params {"name": file_name.replace("/", "_")}, headers X-Auth-Token and
// Content-Type: application/octet-stream, and the file's bytes as data
// (requests adds its default headers and Content-Length: these are the
// bytes requests 2.28 sends, header order included).
func (c *cloud) pythonUpload(t *testing.T, uploadToken, fileName string, data []byte) (*http.Response, string) {
	t.Helper()
	host := strings.TrimPrefix(c.origin, "https://")
	conn, err := tls.Dial("tcp", host, c.tls)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "POST /bcx/api/v1/binary-data?name=" + strings.ReplaceAll(fileName, "/", "_") + " HTTP/1.1\r\n" +
		"Host: " + host + "\r\n" +
		"User-Agent: python-requests/2.28.1\r\n" +
		"Accept-Encoding: gzip, deflate\r\n" +
		"Accept: */*\r\n" +
		"Connection: keep-alive\r\n" +
		"X-Auth-Token: " + uploadToken + "\r\n" +
		"Content-Type: application/octet-stream\r\n" +
		"Content-Length: " + strconv.Itoa(len(data)) + "\r\n\r\n"
	if _, err := conn.Write(append([]byte(req), data...)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second)) // only so that a failure cannot hang the test
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestPythonClientUpload: a device using Kaa's Python client library works
// against `kaactl up` with only the host changed: its token request over
// MQTT, its upload over HTTPS, and the blob is in the listing.
func TestPythonClientUpload(t *testing.T) {
	c := startCloud(t)
	// KaaMqttClient.connect publishes an empty message to .../bcx/<token>/token
	// and waits on .../token/status without subscribing.
	dev := testenv.MQTT(t, c.p.KPC().MQTTAddr(), "py-device")
	dev.Publish(t, "kp1/demo-v1/bcx/"+c.token+"/token", 0, "")
	m := dev.Expect(t, "kp1/demo-v1/bcx/"+c.token+"/token/status", 5*time.Second)
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(m.Payload), &tok); err != nil || tok.Token == "" {
		t.Fatalf("token over MQTT: %q", m.Payload)
	}

	data := []byte("temperature,21.5\nhumidity,40\n")
	resp, body := c.pythonUpload(t, tok.Token, "/tmp/reading.csv", data)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(loc, "/bcx/api/v1/applications/demo/endpoints/") {
		t.Fatalf("upload as the Python library does it: %d %q, Location %q", resp.StatusCode, body, loc)
	}

	admin := "Bearer " + c.p.AdminToken()
	resp, body = c.do(t, "GET", c.origin+"/bcx/api/v1/applications/demo/binary-data", "", "Authorization", admin)
	var page api.BlobPage
	if err := json.Unmarshal([]byte(body), &page); err != nil || resp.StatusCode != 200 || len(page.Content) != 1 {
		t.Fatalf("listing over HTTPS: %d %s", resp.StatusCode, body)
	}
	if b := page.Content[0]; b.Name != "_tmp_reading.csv" || b.Size != int64(len(data)) || b.ContentType != "application/octet-stream" || b.URL != loc+"/data" {
		t.Errorf("listed blob %+v", b)
	}
	// The same blob on BCX's plain port, at the paths without the prefix.
	resp, body = c.do(t, "GET", "http://"+c.p.BCX().RESTAddr()+strings.TrimPrefix(loc, "/bcx")+"/data", "", "Authorization", admin)
	if resp.StatusCode != 200 || body != string(data) {
		t.Errorf("download on the plain port: %d %q", resp.StatusCode, body)
	}
	if resp, body = c.do(t, "GET", c.origin+loc+"/data", "", "Authorization", admin); resp.StatusCode != 200 || body != string(data) {
		t.Errorf("download at the Location: %d %q", resp.StatusCode, body)
	}
}

// TestTokenOverHTTPS: Kaa's documented 1/KP over HTTP, on the HTTPS origin.
func TestTokenOverHTTPS(t *testing.T) {
	c := startCloud(t)
	tok := c.uploadToken(t)
	if resp, body := c.pythonUpload(t, tok, "dump.bin", []byte("x")); resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload with the HTTPS token: %d %s", resp.StatusCode, body)
	}
	resp, body := c.do(t, "POST", c.origin+"/kpc/kp1/demo-v1/echo/"+c.token+"/ping", "hello")
	if resp.StatusCode != 200 || body != "hello" {
		t.Errorf("echo over HTTPS: %d %q", resp.StatusCode, body)
	}
}

// TestErrorsAlikeOnEveryPath: uploads and token requests fail with Kaa's
// statuses whichever way they come, plain or through the cloud layout.
func TestErrorsAlikeOnEveryPath(t *testing.T) {
	c := startCloud(t, platformtest.BCX(func(o *bcx.Options) { o.MaxBlobSize = 1024 }))
	tok := c.uploadToken(t)
	uploads := map[string]string{"plain": "http://" + c.p.BCX().RESTAddr(), "https": c.origin + "/bcx"}
	kps := map[string]string{"plain": "http://" + c.p.KPC().HTTPAddr(), "https": c.origin + "/kpc"}
	for via, base := range uploads {
		for _, tc := range []struct {
			name, token, body string
			status            int
		}{
			{"no token", "", "x", http.StatusForbidden},
			{"forged token", tok + "x", "x", http.StatusForbidden},
			{"too large", tok, strings.Repeat("x", 1025), http.StatusRequestEntityTooLarge},
		} {
			hdr := []string{"Content-Type", "application/octet-stream"}
			if tc.token != "" {
				hdr = append(hdr, "X-Auth-Token", tc.token)
			}
			resp, body := c.do(t, "POST", base+"/api/v1/binary-data?name=x", tc.body, hdr...)
			if e := errorBody(t, body); resp.StatusCode != tc.status || e.StatusCode != tc.status {
				t.Errorf("%s upload, %s: %d %s, want %d", via, tc.name, resp.StatusCode, body, tc.status)
			}
		}
		resp, body := c.do(t, "POST", kps[via]+"/kp1/demo-v1/bcx/wrong-token/token", "")
		if e := errorBody(t, body); resp.StatusCode != http.StatusUnauthorized || e.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s token request with a wrong endpoint token: %d %s, want 401", via, resp.StatusCode, body)
		}
	}
}

// TestUploadBackendDown: with S3 down, the upload through the cloud layout
// is 503, as on the plain port.
func TestUploadBackendDown(t *testing.T) {
	s3 := testenv.S3(t)
	t.Setenv("AWS_ACCESS_KEY_ID", s3.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3.SecretKey)
	c := startCloud(t, platformtest.BCX(func(o *bcx.Options) {
		o.Blobs.S3.Endpoint, o.Blobs.S3.Bucket, o.Blobs.S3.PathStyle, o.Blobs.S3.Region = s3.Endpoint, "kaa-cloud", true, s3.Region
	}))
	tok := c.uploadToken(t)
	if resp, body := c.pythonUpload(t, tok, "before.bin", []byte("up")); resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload with S3 up: %d %s", resp.StatusCode, body)
	}
	s3.Stop()
	resp, body := c.pythonUpload(t, tok, "during.bin", []byte("down"))
	if e := errorBody(t, body); resp.StatusCode != http.StatusServiceUnavailable || e.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("upload with S3 down: %d %s, want 503", resp.StatusCode, body)
	}
	if resp, _ := c.do(t, "GET", c.origin+"/bcx/health", ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/bcx/health with S3 down: %d", resp.StatusCode)
	}
}

// TestCloudLayoutPaths: what the origin serves, and what it answers
// everything else with.
func TestCloudLayoutPaths(t *testing.T) {
	c := startCloud(t)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/kpc/health", 200},
		{"GET", "/bcx/health", 200},
		{"GET", "/kpc/api/v1/cert", 200},
		{"GET", "/", 404},
		{"POST", "/api/v1/binary-data", 404},       // BCX without its prefix
		{"POST", "/kp1/demo-v1/echo/x/ping", 404},  // KPC without its prefix
		{"POST", "/bcxapi/v1/binary-data", 404},    // a prefix is a whole path segment
		{"POST", "/kpc/api/v1/binary-data", 404},   // BCX's path under KPC
		{"GET", "/kpc/metrics", 404},               // management stays on its own port
		{"GET", "/kpc/api/v1/sessions", 404},       // so do the sessions
		{"GET", "/kpc/ws", 400},                    // WebSocket upgrades only
		{"DELETE", "/bcx/api/v1/binary-data", 405}, // a known path, another method
		{"GET", "/bcx/api/v1/applications", 404},
	} {
		resp, body := c.do(t, tc.method, c.origin+tc.path, "")
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d %q, want %d", tc.method, tc.path, resp.StatusCode, body, tc.status)
			continue
		}
		if tc.status >= 400 {
			if e := errorBody(t, body); e.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s %s: %q is not a JSON error %d", tc.method, tc.path, body, tc.status)
			}
		}
	}
	_, body := c.do(t, "GET", c.origin+"/kpc/api/v1/cert", "")
	if body != string(c.p.KPC().CertPEM()) {
		t.Error("/kpc/api/v1/cert is not the certificate KPC serves on its management port")
	}
	_, body = c.do(t, "GET", c.origin+"/nothing", "")
	if !strings.Contains(body, "/kpc/kp1/") || !strings.Contains(body, "/bcx/api/v1/") {
		t.Errorf("the 404 of an unknown path does not name the layout: %s", body)
	}
}

// TestPlainHTTPToHTTPSPort: a clear failure, at once.
func TestPlainHTTPToHTTPSPort(t *testing.T) {
	c := startCloud(t)
	resp, body := testenv.Get(t, "http://"+c.p.HTTPSAddr()+"/kpc/health")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "HTTP request to an HTTPS server") {
		t.Errorf("plain HTTP to the HTTPS port: %d %q", resp.StatusCode, body)
	}
}

// TestMQTTOverWebSocketOnHTTPS: MQTT over secure WebSocket at /kpc/ws,
// trusting the same certificate; the session shows on KPC's sessions.
func TestMQTTOverWebSocketOnHTTPS(t *testing.T) {
	c := startCloud(t)
	dev := testenv.MQTTURL(t, "wss://"+c.p.HTTPSAddr()+platform.KPCPrefix+kpc.WSPath, "wss-device", c.tls)
	dev.Publish(t, "kp1/demo-v1/echo/"+c.token+"/ping/3", 1, "over wss")
	if m := dev.Expect(t, "kp1/demo-v1/echo/"+c.token+"/ping/3/status", 5*time.Second); m.Payload != "over wss" {
		t.Errorf("reply %q", m.Payload)
	}
	resp, body := c.do(t, "GET", "http://"+c.p.KPC().RESTAddr()+"/api/v1/sessions", "", "Authorization", "Bearer "+c.p.AdminToken())
	if resp.StatusCode != 200 || !strings.Contains(body, `"transport":"wss"`) {
		t.Errorf("sessions: %s", body)
	}
}

func TestBannerShowsHTTPS(t *testing.T) {
	c := startCloud(t)
	var banner strings.Builder
	if err := c.p.WriteBanner(&banner); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"https://" + c.p.HTTPSAddr(), "--cacert " + c.p.CertFile(), "/kpc/kp1/demo-v1/bcx/$TOKEN/token", "/bcx/api/v1/binary-data"} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, banner.String())
		}
	}
	if off := platformtest.Start(t, func(o *platform.Options) { o.HTTPSAddr = "" }); off.HTTPSAddr() != "" {
		t.Errorf("--https-addr \"\" listens on %s", off.HTTPSAddr())
	} else {
		banner.Reset()
		_ = off.WriteBanner(&banner)
		if strings.Contains(banner.String(), "https://") {
			t.Errorf("banner without HTTPS names an HTTPS origin:\n%s", banner.String())
		}
	}
}

func errorBody(t *testing.T, body string) kp.ErrorBody {
	t.Helper()
	var e kp.ErrorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.ReasonPhrase == "" {
		t.Errorf("%q is not Kaa's JSON error body: %v", body, err)
	}
	return e
}

// TestCertificateHosts: devices on other hosts reach the origin by a name
// the platform certificate was made for (--tls-hosts).
func TestCertificateHosts(t *testing.T) {
	c := startCloud(t, platformtest.KPC(func(o *kpc.Options) { o.TLSHosts = []string{"kaa.example", "127.0.0.1"} }))
	named := c.tls.Clone()
	named.ServerName = "kaa.example"
	conn, err := tls.Dial("tcp", c.p.HTTPSAddr(), named)
	if err != nil {
		t.Fatalf("TLS as kaa.example: %v", err)
	}
	conn.Close()
	named.ServerName = "localhost" // not asked for, so not in the certificate
	if conn, err := tls.Dial("tcp", c.p.HTTPSAddr(), named); err == nil {
		conn.Close()
		t.Error("the certificate is valid for a host it was not made for")
	}
}
