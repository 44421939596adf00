package bcx_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/blobstore"
	"github.com/kaactl/kaactl/pkg/blobstore/ram"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/bcx"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth/authtest"
)

var testKey = []byte(strings.Repeat("test-key-", 4))

const appsYAML = `
kaa:
  applications:
    demo:
      tenant-id: acme
      versions:
        demo-v1:
          allowed-extension-instances: [bcx]
    other:
      tenant-id: globex
      versions:
        other-v1:
          allowed-extension-instances: [bcx]
`

type bcxEnv struct {
	srv     *bcx.Server
	nc      *nats.Conn
	signer  *bcx.TokenSigner
	acme    *authtest.Issuer
	globex  *authtest.Issuer
	base    string // scheme, address and path prefix
	client  *http.Client
	natsURL string
}

func startBCX(t *testing.T, store blobstore.Store, mutate func(*bcx.Options)) *bcxEnv {
	t.Helper()
	ns := testenv.NATS(t)
	e := &bcxEnv{nc: testenv.Conn(t, ns.ClientURL()), natsURL: ns.ClientURL()}
	e.acme = authtest.NewIssuer(t, "acme")
	e.globex = authtest.NewIssuer(t, "globex")
	apps, err := kaaconfig.Parse([]byte(appsYAML))
	if err != nil {
		t.Fatal(err)
	}
	if e.signer, err = bcx.NewTokenSigner(testKey); err != nil {
		t.Fatal(err)
	}
	opts := bcx.DefaultOptions()
	opts.NATS.URL, opts.RESTAddr, opts.Apps, opts.Store = ns.ClientURL(), "127.0.0.1:0", apps, store
	opts.TokenKey = testKey
	opts.Issuers = []string{"acme=" + e.acme.URL, "globex=" + e.globex.URL}
	if mutate != nil {
		mutate(&opts)
	}
	if e.srv, err = bcx.New(opts); err != nil {
		t.Fatal(err)
	}
	testenv.Start(t, "bcx", e.srv)
	e.base, e.client = "http://"+e.srv.RESTAddr()+opts.PathPrefix, http.DefaultClient
	if opts.TLSCert != "" {
		e.base = "https://" + e.srv.RESTAddr() + opts.PathPrefix
		e.client = &http.Client{Transport: &http.Transport{TLSClientConfig: testenv.TrustFile(t, opts.TLSCert)}}
	}
	testenv.Eventually(t, 5*time.Second, "bcx healthy", func() bool {
		resp, err := e.client.Get(e.base + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return e
}

// tokenRequest sends a ClientData to BCX as KPC would and returns the answer.
func (e *bcxEnv) tokenRequest(t *testing.T, appVersion, resource string, endpointID *string) ism.ExtensionData {
	t.Helper()
	data, err := ism.Marshal(&ism.ClientData{CorrelationID: ism.NewCorrelationID(), Timestamp: ism.NowMillis(),
		AppVersionName: appVersion, EndpointID: endpointID, ResourcePath: resource})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := e.nc.Request(ism.ServiceSubject("bcx", ism.ProtoESP, ism.MsgClientData), data, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var ed ism.ExtensionData
	if err := ism.Unmarshal(msg.Data, &ed); err != nil {
		t.Fatal(err)
	}
	return ed
}

func (e *bcxEnv) token(t *testing.T, endpointID string) string {
	t.Helper()
	ed := e.tokenRequest(t, "demo-v1", "/token", &endpointID)
	if ed.StatusCode != 200 {
		t.Fatalf("token request: %d", ed.StatusCode)
	}
	var body struct{ Token string }
	if err := json.Unmarshal(ed.Payload, &body); err != nil || body.Token == "" {
		t.Fatalf("token payload %q: %v", ed.Payload, err)
	}
	return body.Token
}

func TestTokenRequests(t *testing.T) {
	e := startBCX(t, ram.New(), nil)
	ep := "ep-1"
	tok := e.token(t, ep)
	c, err := e.signer.Verify(tok, time.Now())
	if err != nil || c.App != "demo" || c.EndpointID != ep {
		t.Fatalf("claims %+v, %v", c, err)
	}
	if ttl := time.Until(time.Unix(c.Expires, 0)); ttl < 59*time.Minute || ttl > time.Hour {
		t.Errorf("default ttl %v, want 1h", ttl)
	}
	tests := []struct {
		name, appVersion, resource string
		ep                         *string
		status                     int32
	}{
		{"unknown resource", "demo-v1", "/upload", &ep, 404},
		{"no endpoint", "demo-v1", "/token", nil, 400},
		{"unknown app version", "nope-v9", "/token", &ep, 404},
	}
	for _, tt := range tests {
		if ed := e.tokenRequest(t, tt.appVersion, tt.resource, tt.ep); ed.StatusCode != tt.status || ed.ReasonPhrase == nil {
			t.Errorf("%s: status %d, want %d", tt.name, ed.StatusCode, tt.status)
		}
	}
}

func TestUploadListDownloadDelete(t *testing.T) {
	e := startBCX(t, ram.New(), func(o *bcx.Options) { o.MaxBlobSize = 1 << 20 })
	tok := e.token(t, "ep-1")
	blob := bytes.Repeat([]byte("0123456789"), 1000)

	resp, body := testenv.HTTP(t, nil, "POST", e.base+"/api/v1/binary-data?name=log%201.txt", bytes.NewReader(blob), "X-Auth-Token", tok, "Content-Type", "text/plain")
	if resp.StatusCode != 201 || !strings.HasPrefix(resp.Header.Get("Location"), "/api/v1/applications/demo/endpoints/ep-1/binary-data/") {
		t.Fatalf("upload: %d %s location %q", resp.StatusCode, body, resp.Header.Get("Location"))
	}
	loc := resp.Header.Get("Location")
	resp, _ = testenv.HTTP(t, nil, "POST", e.base+"/api/v1/binary-data", strings.NewReader("second"), "X-Auth-Token", e.token(t, "ep-2"))
	if resp.StatusCode != 201 {
		t.Fatalf("second upload: %d", resp.StatusCode)
	}

	read := "Bearer " + e.acme.Token(t, "admin", time.Hour, "endpoint:read")
	resp, body = testenv.HTTP(t, nil, "GET", e.base+"/api/v1/applications/demo/binary-data?endpointId=ep-1", nil, "Authorization", read)
	var list struct {
		Content []struct {
			ID, EndpointID, Name, URL string
			Size                      int64
		}
		TotalElements int
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	if list.TotalElements != 1 || len(list.Content) != 1 || list.Content[0].Name != "log 1.txt" ||
		list.Content[0].Size != int64(len(blob)) || list.Content[0].EndpointID != "ep-1" || loc+"/data" != list.Content[0].URL {
		t.Fatalf("list = %+v", list)
	}
	resp, body = testenv.HTTP(t, nil, "GET", e.base+"/api/v1/applications/demo/binary-data", nil, "Authorization", read)
	if !strings.Contains(body, `"totalElements":2`) {
		t.Errorf("unfiltered list: %d %s", resp.StatusCode, body)
	}

	resp, body = testenv.HTTP(t, nil, "GET", e.base+loc+"/data", nil, "Authorization", read)
	if resp.StatusCode != 200 || body != string(blob) || resp.Header.Get("Content-Type") != "text/plain" ||
		resp.Header.Get("Content-Length") != fmt.Sprint(len(blob)) || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename*=UTF-8''log%201.txt` {
		t.Fatalf("download: %d %d bytes %v", resp.StatusCode, len(body), resp.Header)
	}
	resp, body = testenv.HTTP(t, nil, "GET", e.base+loc+"/data", nil, "Authorization", read, "Range", "bytes=10-19")
	if resp.StatusCode != 206 || body != "0123456789" || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 10-19/%d", len(blob)) {
		t.Errorf("range: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, _ = testenv.HTTP(t, nil, "GET", e.base+loc+"/data", nil, "Authorization", read, "Range", "bytes=999999-")
	if resp.StatusCode != 416 {
		t.Errorf("range past end: %d", resp.StatusCode)
	}
	resp, body = testenv.HTTP(t, nil, "GET", e.base+"/api/v1/applications/demo/endpoints/ep-2/binary-data/data/last", nil, "Authorization", read)
	if resp.StatusCode != 200 || body != "second" || resp.Header.Get("Content-Disposition") != "attachment" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("last: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	// Deleting needs endpoint:delete.
	if resp, _ = testenv.HTTP(t, nil, "DELETE", e.base+loc, nil, "Authorization", read); resp.StatusCode != 403 {
		t.Errorf("delete with read scope: %d", resp.StatusCode)
	}
	del := "Bearer " + e.acme.Token(t, "admin", time.Hour, "endpoint:read", "endpoint:delete")
	if resp, _ = testenv.HTTP(t, nil, "DELETE", e.base+loc, nil, "Authorization", del); resp.StatusCode != 204 {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	if resp, _ = testenv.HTTP(t, nil, "GET", e.base+loc+"/data", nil, "Authorization", read); resp.StatusCode != 404 {
		t.Errorf("download after delete: %d", resp.StatusCode)
	}
}

func TestUploadRefusals(t *testing.T) {
	e := startBCX(t, ram.New(), func(o *bcx.Options) { o.MaxBlobSize = 1024 })
	tok := e.token(t, "ep-1")
	expired := e.signer.Sign(bcx.TokenClaims{App: "demo", EndpointID: "ep-1", Expires: time.Now().Add(-time.Second).Unix()})
	forger, _ := bcx.NewTokenSigner([]byte(strings.Repeat("f", 32)))
	forged := forger.Sign(bcx.TokenClaims{App: "demo", EndpointID: "ep-1", Expires: time.Now().Add(time.Hour).Unix()})
	tests := []struct {
		name   string
		path   string
		body   io.Reader
		hdr    []string
		status int
	}{
		{"no token", "/api/v1/binary-data", strings.NewReader("x"), nil, 403},
		{"expired token", "/api/v1/binary-data", strings.NewReader("x"), []string{"X-Auth-Token", expired}, 403},
		{"forged token", "/api/v1/binary-data", strings.NewReader("x"), []string{"X-Auth-Token", forged}, 403},
		{"over the limit", "/api/v1/binary-data", strings.NewReader(strings.Repeat("x", 2048)), []string{"X-Auth-Token", tok}, 413},
		// Without Content-Length the limit is found while streaming.
		{"over the limit, chunked", "/api/v1/binary-data", io.MultiReader(strings.NewReader(strings.Repeat("x", 2048))), []string{"X-Auth-Token", tok}, 413},
		{"bad name", "/api/v1/binary-data?name=a%00b", strings.NewReader("x"), []string{"X-Auth-Token", tok}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := testenv.HTTP(t, nil, "POST", e.base+tt.path, tt.body, tt.hdr...)
			if resp.StatusCode != tt.status || !strings.Contains(body, fmt.Sprintf(`"statusCode":%d`, tt.status)) {
				t.Errorf("%d %s, want %d", resp.StatusCode, body, tt.status)
			}
		})
	}
	read := "Bearer " + e.acme.Token(t, "admin", time.Hour, "endpoint:read")
	_, body := testenv.HTTP(t, nil, "GET", e.base+"/api/v1/applications/demo/binary-data", nil, "Authorization", read)
	if !strings.Contains(body, `"totalElements":0`) {
		t.Errorf("refused uploads left blobs: %s", body)
	}
}

func TestFilesOverwrite(t *testing.T) {
	e := startBCX(t, ram.New(), nil)
	tok := e.token(t, "ep-1")
	for _, content := range []string{"v1", "version 2"} {
		if resp, body := testenv.HTTP(t, nil, "POST", e.base+"/api/v1/files/config.json", strings.NewReader(content), "X-Auth-Token", tok); resp.StatusCode != 204 {
			t.Fatalf("file upload: %d %s", resp.StatusCode, body)
		}
	}
	read := "Bearer " + e.acme.Token(t, "admin", time.Hour, "endpoint:read")
	_, body := testenv.HTTP(t, nil, "GET", e.base+"/api/v1/applications/demo/binary-data", nil, "Authorization", read)
	if !strings.Contains(body, `"totalElements":1`) || !strings.Contains(body, `"name":"config.json"`) {
		t.Errorf("list after overwrite: %s", body)
	}
	_, body = testenv.HTTP(t, nil, "GET", e.base+"/api/v1/applications/demo/endpoints/ep-1/binary-data/data/last", nil, "Authorization", read)
	if body != "version 2" {
		t.Errorf("file content %q", body)
	}
}

func TestTenantIsolation(t *testing.T) {
	e := startBCX(t, ram.New(), nil)
	tok := e.token(t, "ep-1")
	resp, _ := testenv.HTTP(t, nil, "POST", e.base+"/api/v1/binary-data", strings.NewReader("acme secret"), "X-Auth-Token", tok)
	loc := resp.Header.Get("Location")
	globex := "Bearer " + e.globex.Token(t, "intruder", time.Hour, "endpoint:read", "endpoint:delete")
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/v1/applications/demo/binary-data"},
		{"GET", loc + "/data"},
		{"GET", "/api/v1/applications/demo/endpoints/ep-1/binary-data/data/last"},
		{"DELETE", loc},
	} {
		resp, body := testenv.HTTP(t, nil, tc.method, e.base+tc.path, nil, "Authorization", globex)
		if resp.StatusCode != 404 || strings.Contains(body, "secret") {
			t.Errorf("%s %s with another tenant's JWT: %d %s", tc.method, tc.path, resp.StatusCode, body)
		}
	}
	for _, tc := range []struct {
		name, hdr string
		status    int
	}{
		{"no JWT", "", 401},
		{"unknown key", "Bearer " + e.acme.ForeignToken(t, "x", "endpoint:read"), 401},
		{"expired JWT", "Bearer " + e.acme.Token(t, "x", -time.Minute, "endpoint:read"), 401},
		{"no scope", "Bearer " + e.acme.Token(t, "x", time.Hour), 403},
	} {
		resp, _ := testenv.HTTP(t, nil, "GET", e.base+loc+"/data", nil, "Authorization", tc.hdr)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}
	// The owner still sees it.
	own := "Bearer " + e.acme.Token(t, "admin", time.Hour, "endpoint:read")
	if resp, body := testenv.HTTP(t, nil, "GET", e.base+loc+"/data", nil, "Authorization", own); resp.StatusCode != 200 || body != "acme secret" {
		t.Errorf("owner: %d %q", resp.StatusCode, body)
	}
}

func TestTokenTTLFromConfigAndSCMP(t *testing.T) {
	apps := strings.Replace(appsYAML, "      tenant-id: acme\n", "      tenant-id: acme\n      bcx:\n        tokens:\n          expiration: 10m\n", 1)
	e := startBCX(t, ram.New(), func(o *bcx.Options) {
		var err error
		if o.Apps, err = kaaconfig.Parse([]byte(apps)); err != nil {
			t.Fatal(err)
		}
	})
	ttl := func() time.Duration {
		c, err := e.signer.Verify(e.token(t, "ep-1"), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return time.Until(time.Unix(c.Expires, 0)).Round(time.Minute)
	}
	if got := ttl(); got != 10*time.Minute {
		t.Fatalf("ttl from config file: %v", got)
	}
	publish := func(subject, body string) {
		if err := e.nc.Publish(subject, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	publish("kaa.v1.events.tekton.service.configuration.upsert", `{"tenantId":"acme","appName":"demo","config":{"kaa":{"bcx":{"tokens":{"expiration":1800}}}}}`)
	testenv.Eventually(t, 5*time.Second, "runtime ttl applied", func() bool { return ttl() == 30*time.Minute })
	// Another tenant cannot change acme's application; broken events change nothing.
	publish("kaa.v1.events.tekton.service.configuration.upsert", `{"tenantId":"globex","appName":"demo","config":{"kaa":{"bcx":{"tokens":{"expiration":5}}}}}`)
	publish("kaa.v1.events.tekton.service.configuration.upsert", `{not json`)
	publish("kaa.v1.events.tekton.service.configuration.delete", `{"tenantId":"acme","appName":"demo"}`)
	testenv.Eventually(t, 5*time.Second, "override dropped", func() bool { return ttl() == 10*time.Minute })
	// Upserts and deletes arrive on different subscriptions, so in any order:
	// wait for all of them to be counted.
	wants := []string{`kaa_bcx_config_events_total{outcome="rejected"} 1`, `kaa_bcx_config_events_total{outcome="invalid"} 1`, `kaa_bcx_config_events_total{outcome="applied"} 2`}
	testenv.Eventually(t, 5*time.Second, "every config event counted", func() bool {
		_, m := testenv.HTTP(t, nil, "GET", e.base+"/metrics", nil)
		for _, want := range wants {
			if !strings.Contains(m, want) {
				return false
			}
		}
		return true
	})
	if got := ttl(); got != 10*time.Minute {
		t.Errorf("ttl after the broken events: %v, want the config file's 10m", got)
	}
}

// TestRevokedEndpointTokens: once the provider announces an endpoint
// suspended or revoked (16/ECAP token revoked event), its upload tokens stop
// working at once; tokens issued afterwards (the endpoint was activated
// again) work, and other endpoints are untouched.
func TestRevokedEndpointTokens(t *testing.T) {
	e := startBCX(t, ram.New(), nil)
	before, other := e.token(t, "ep-1"), e.token(t, "ep-2")
	upload := func(tok string) int {
		resp, _ := testenv.HTTP(t, nil, "POST", e.base+"/api/v1/binary-data", strings.NewReader("x"), "X-Auth-Token", tok)
		return resp.StatusCode
	}
	if got := upload(before); got != 201 {
		t.Fatalf("upload before revocation: %d", got)
	}
	data, err := ism.Marshal(&ism.EndpointTokenRevokedEvent{CorrelationID: "c1", Timestamp: ism.NowMillis(), AppName: "demo",
		EndpointID: "ep-1", TokenIDs: []string{"t-1"}, OriginatorReplicaID: "cm-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.nc.Publish(ism.EventSubject("cm", ism.EntityEndpoint, ism.GroupToken, ism.EventRevoked), data); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "token of the revoked endpoint refused", func() bool { return upload(before) == 403 })
	resp, body := testenv.HTTP(t, nil, "POST", e.base+"/api/v1/binary-data", strings.NewReader("x"), "X-Auth-Token", before)
	if resp.StatusCode != 403 || !strings.Contains(body, "suspended or revoked") {
		t.Errorf("refusal: %d %s", resp.StatusCode, body)
	}
	if got := upload(other); got != 201 {
		t.Errorf("another endpoint's token: %d", got)
	}
	if got := upload(e.token(t, "ep-1")); got != 201 {
		t.Errorf("a token issued after the revocation: %d", got)
	}
}
