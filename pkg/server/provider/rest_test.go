package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
)

type httpResult struct {
	status int
	body   string
	header http.Header
}

// call sends one REST call; auth "" sends no Authorization header.
func call(t testing.TB, e *env, method, path, auth, body string) httpResult {
	t.Helper()
	resp, data := testenv.HTTP(t, nil, method, "http://"+e.p.RESTAddr()+path, strings.NewReader(body), "Authorization", auth)
	return httpResult{resp.StatusCode, data, resp.Header}
}

// wantError checks a JSON error answer.
func wantError(t testing.TB, r httpResult, status int, reason string) {
	t.Helper()
	var e restError
	if err := json.Unmarshal([]byte(r.body), &e); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	if r.status != status || e.StatusCode != status || !strings.Contains(e.ReasonPhrase, reason) {
		t.Errorf("got %d %+v, want %d with reason containing %q", r.status, e, status, reason)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

const bearer = "Bearer " + adminToken

func TestRESTAuth(t *testing.T) {
	e := startEnv(t, "")
	const apps = "/api/v1/tenants/kaa/applications"
	tests := []struct {
		name, method, path, auth string
		want                     int
		reason                   string
	}{
		{"health needs no token", "GET", "/health", "", 200, ""},
		{"no token", "GET", apps, "", 401, "missing bearer token"},
		{"wrong token", "GET", apps, "Bearer nope", 401, "invalid admin token"},
		{"token prefix", "GET", apps, bearer[:len(bearer)-1], 401, "invalid admin token"},
		{"token plus more", "GET", apps, bearer + "x", 401, "invalid admin token"},
		{"basic scheme", "GET", apps, "Basic " + adminToken, 401, "missing bearer token"},
		{"unknown route without token", "GET", "/nope", "", 401, "missing bearer token"},
		{"create without token", "POST", apps, "", 401, "missing bearer token"},
		{"right token", "GET", apps, bearer, 200, ""},
		{"unknown route", "GET", "/api/v1/nope", bearer, 404, "no such resource"},
		{"wrong method", "DELETE", apps, bearer, 405, "method DELETE not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := ""
			if tt.method == "POST" {
				body = `{"name":"x"}`
			}
			r := call(t, e, tt.method, tt.path, tt.auth, body)
			if tt.want >= 400 {
				wantError(t, r, tt.want, tt.reason)
				if tt.want == 401 && r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				return
			}
			if r.status != tt.want {
				t.Errorf("status %d (%s), want %d", r.status, r.body, tt.want)
			}
		})
	}
	// Nothing was created by the refused POST.
	if apps, err := e.p.ListApps(context.Background(), testTenant); err != nil || len(apps) != 0 {
		t.Errorf("apps %+v, %v", apps, err)
	}
}

func TestRESTHealthWithoutNATS(t *testing.T) {
	ns := testenv.NATS(t)
	p := startProvider(t, Options{NATS: natsconn.Options{URL: ns.ClientURL()}, DataDir: t.TempDir(), RESTAddr: "127.0.0.1:0", AdminToken: adminToken})
	e := &env{p: p}
	if r := call(t, e, "GET", "/health", "", ""); r.status != 200 {
		t.Fatalf("health %d", r.status)
	}
	ns.Shutdown()
	testenv.Eventually(t, 5*time.Second, "health 503 with NATS down", func() bool {
		return call(t, e, "GET", "/health", "", "").status == 503
	})
	wantError(t, call(t, e, "GET", "/health", "", ""), 503, "nats unavailable")
}

func TestRESTFlow(t *testing.T) {
	e := startEnv(t, "")
	events := listen(t, e.nc, ism.EventSubject("*", "*", "*", ism.EventRevoked))
	const base = "/api/v1/tenants/kaa"

	r := call(t, e, "POST", base+"/applications", bearer, `{"name":"demo","versions":["demo-v1"],"autoRegister":false}`)
	var app App
	if r.status != 201 || json.Unmarshal([]byte(r.body), &app) != nil || app.Name != "demo" || app.Tenant != "kaa" {
		t.Fatalf("create app: %d %s", r.status, r.body)
	}
	wantError(t, call(t, e, "POST", base+"/applications", bearer, `{"name":"demo"}`), 409, `application "demo" already exists in tenant "kaa"`)
	wantError(t, call(t, e, "POST", base+"/applications", bearer, `{"name":"Demo"}`), 400, `application name "Demo" is invalid`)
	r = call(t, e, "GET", base+"/applications", bearer, "")
	if r.status != 200 || !strings.Contains(r.body, `"name":"demo"`) {
		t.Fatalf("list apps: %d %s", r.status, r.body)
	}

	r = call(t, e, "POST", base+"/applications/demo/endpoints", bearer, `{"token":""}`)
	var created struct {
		EndpointID, TokenID, Token string
		Status                     Status
	}
	if r.status != 201 || json.Unmarshal([]byte(r.body), &created) != nil || created.EndpointID == "" || created.TokenID == "" || created.Token == "" || created.Status != StatusInactive {
		t.Fatalf("create endpoint: %d %s", r.status, r.body)
	}
	wantError(t, call(t, e, "POST", base+"/applications/nope/endpoints", bearer, `{}`), 404, `application "nope" not found in tenant "kaa"`)
	wantError(t, call(t, e, "POST", "/api/v1/tenants/other/applications/demo/endpoints", bearer, `{}`), 404, `application "demo" not found in tenant "other"`)
	r = call(t, e, "GET", base+"/applications/demo/endpoints", bearer, "")
	if r.status != 200 || !strings.Contains(r.body, created.EndpointID) || strings.Contains(r.body, created.Token) || strings.Contains(r.body, `"token"`) {
		t.Fatalf("list endpoints: %d %s", r.status, r.body)
	}
	if r := ecap(t, e.nc, "", "demo", created.Token); r.StatusCode != 200 {
		t.Fatalf("token of a REST-created endpoint: %d", r.StatusCode)
	}

	statusPath := base + "/applications/demo/endpoints/" + created.EndpointID + "/status"
	if r := call(t, e, "POST", statusPath, bearer, `{"status":"suspended"}`); r.status != 204 {
		t.Fatalf("suspend: %d %s", r.status, r.body)
	}
	var ev ism.EndpointTokenRevokedEvent
	if err := ism.Unmarshal(next(t, events, "token revoked event").Data, &ev); err != nil || ev.EndpointID != created.EndpointID || ev.TokenIDs[0] != created.TokenID {
		t.Fatalf("event %+v, %v", ev, err)
	}
	if r := ecap(t, e.nc, "", "demo", created.Token); r.StatusCode != 403 {
		t.Errorf("suspended: %d", r.StatusCode)
	}
	if r := call(t, e, "POST", statusPath, bearer, `{"status":"active"}`); r.status != 204 {
		t.Fatalf("activate: %d %s", r.status, r.body)
	}
	if r := call(t, e, "POST", statusPath, bearer, `{"status":"revoked"}`); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	next(t, events, "token revoked event")
	wantError(t, call(t, e, "POST", statusPath, bearer, `{"status":"active"}`), 400, "revocation is final")
	wantError(t, call(t, e, "POST", statusPath, bearer, `{"status":"paused"}`), 400, `unknown status "paused"`)
	wantError(t, call(t, e, "POST", base+"/applications/demo/endpoints/nope/status", bearer, `{"status":"revoked"}`), 404, `endpoint "nope" not found in application "demo"`)

	r = call(t, e, "POST", base+"/credentials/basic", bearer, `{"username":"dev1","password":"hunter2-secret-16+b"}`)
	var basic BasicCredential
	if r.status != 201 || json.Unmarshal([]byte(r.body), &basic) != nil || basic.ID == "" || strings.Contains(r.body, "hunter2-secret-16+b") || strings.Contains(r.body, "password") {
		t.Fatalf("create basic: %d %s", r.status, r.body)
	}
	wantError(t, call(t, e, "POST", base+"/credentials/basic", bearer, `{"username":"dev1","password":"another-long-password"}`), 409, `username "dev1" already exist`)
	wantError(t, call(t, e, "POST", base+"/credentials/basic", bearer, `{"username":"dev2","password":""}`), 400, "password is shorter than 16 bytes")
	r = call(t, e, "GET", base+"/credentials/basic", bearer, "")
	if r.status != 200 || !strings.Contains(r.body, basic.ID) || strings.Contains(r.body, "password") || strings.Contains(r.body, "$2a$") || strings.Contains(r.body, "hs256$") {
		t.Fatalf("list basic: %d %s", r.status, r.body)
	}
	// Suspend and re-activate through the status endpoint, then revoke.
	if r := call(t, e, "POST", base+"/credentials/basic/"+basic.ID+"/status", bearer, `{"status":"suspended"}`); r.status != 204 {
		t.Fatalf("suspend basic: %d %s", r.status, r.body)
	}
	if m := next(t, events, "basic revoked event of a suspension"); !strings.HasSuffix(m.Subject, ".client-credentials.basic.revoked") {
		t.Errorf("event on %s", m.Subject)
	}
	if r := call(t, e, "POST", base+"/credentials/basic/"+basic.ID+"/status", bearer, `{"status":"active"}`); r.status != 204 {
		t.Fatalf("activate basic: %d %s", r.status, r.body)
	}
	wantError(t, call(t, e, "POST", base+"/credentials/basic/"+basic.ID+"/status", bearer, `{"status":"paused"}`), 400, `unknown status "paused"`)
	wantError(t, call(t, e, "POST", base+"/credentials/basic/"+basic.ID+"/status", bearer, `{"status":`), 400, "")
	wantError(t, call(t, e, "POST", base+"/credentials/x509/"+basic.ID+"/status", bearer, `{"status":"suspended"}`), 404, "x509 credentials")
	if r := call(t, e, "POST", base+"/credentials/basic/"+basic.ID+"/revoke", bearer, ""); r.status != 204 {
		t.Fatalf("revoke basic: %d %s", r.status, r.body)
	}
	if m := next(t, events, "basic revoked event"); !strings.HasSuffix(m.Subject, ".client-credentials.basic.revoked") {
		t.Errorf("event on %s", m.Subject)
	}
	wantError(t, call(t, e, "POST", base+"/credentials/basic/nope/revoke", bearer, ""), 404, `basic credentials "nope" not found in tenant "kaa"`)
	wantError(t, call(t, e, "POST", base+"/credentials/basic/"+basic.ID+"/status", bearer, `{"status":"active"}`), 400, "revocation is final")

	dev := testenv.NewCA(t, "Test CA").Issue(t, "device-1", 77)
	certPEM, cert := dev.PEM, dev.Cert
	body, _ := json.Marshal(map[string]string{"pem": string(certPEM)})
	r = call(t, e, "POST", base+"/credentials/x509", bearer, string(body))
	var x CertCredential
	if r.status != 201 || json.Unmarshal([]byte(r.body), &x) != nil || x.Serial != "77" || x.Issuer != cert.Issuer.String() {
		t.Fatalf("add cert: %d %s", r.status, r.body)
	}
	wantError(t, call(t, e, "POST", base+"/credentials/x509", bearer, string(body)), 409, "already registered")
	r = call(t, e, "POST", base+"/credentials/x509", bearer, `{"issuer":"CN=Other","serial":"12"}`)
	if r.status != 201 {
		t.Fatalf("add by serial: %d %s", r.status, r.body)
	}
	wantError(t, call(t, e, "POST", base+"/credentials/x509", bearer, `{"pem":"not a certificate"}`), 400, "no PEM CERTIFICATE block found")
	wantError(t, call(t, e, "POST", base+"/credentials/x509", bearer, `{"pem":"x","serial":"1"}`), 400, "not both")
	wantError(t, call(t, e, "POST", base+"/credentials/x509", bearer, `{}`), 400, "give pem, or issuer and serial")
	r = call(t, e, "GET", base+"/credentials/x509", bearer, "")
	if r.status != 200 || !strings.Contains(r.body, x.ID) {
		t.Fatalf("list certs: %d %s", r.status, r.body)
	}
	if r := call(t, e, "POST", base+"/credentials/x509/"+x.ID+"/revoke", bearer, ""); r.status != 204 {
		t.Fatalf("revoke cert: %d %s", r.status, r.body)
	}
	if m := next(t, events, "certificate revoked event"); !strings.HasSuffix(m.Subject, ".client-credentials.certificate.revoked") {
		t.Errorf("event on %s", m.Subject)
	}
}

func TestRESTBadBodies(t *testing.T) {
	e := startEnv(t, "")
	const apps = "/api/v1/tenants/kaa/applications"
	tests := []struct {
		name, path, body string
		want             int
		reason           string
	}{
		{"malformed JSON", apps, `{"name":`, 400, "malformed JSON request body"},
		{"wrong type", apps, `{"name":42}`, 400, "malformed JSON request body"},
		{"unknown field", apps, `{"name":"demo","colour":"blue"}`, 400, `unknown field "colour"`},
		{"trailing data", apps, `{"name":"demo"} {}`, 400, "unexpected data after the JSON object"},
		{"empty body", apps, "", 400, "request body is empty"},
		{"too large", apps, `{"name":"` + strings.Repeat("a", maxBody) + `"}`, 413, "request body over 1048576 bytes"},
		{"bad tenant", "/api/v1/tenants/bad%20tenant/applications", `{"name":"demo"}`, 400, `tenant "bad tenant"`},
		{"password in unknown field", "/api/v1/tenants/kaa/credentials/basic", `{"username":"u","pass":"p"}`, 400, `unknown field "pass"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, call(t, e, "POST", tt.path, bearer, tt.body), tt.want, tt.reason)
		})
	}
	// The endpoint creation body is optional.
	if _, err := e.p.CreateApp(context.Background(), testTenant, "demo", nil, false); err != nil {
		t.Fatal(err)
	}
	if r := call(t, e, "POST", apps+"/demo/endpoints", bearer, ""); r.status != 201 || !strings.Contains(r.body, `"token":"`) {
		t.Errorf("endpoint without body: %d %s", r.status, r.body)
	}
}
