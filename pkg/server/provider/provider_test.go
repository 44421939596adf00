package provider

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
)

const (
	testTenant = "kaa"
	adminToken = "s3cret-admin-token"
)

// openProvider starts a provider on dir, for tests of its store; Shutdown
// runs at cleanup.
func openProvider(t testing.TB, dir string) *Provider {
	t.Helper()
	return startProvider(t, Options{DataDir: dir})
}

// startProvider starts a provider with opts, on a NATS server of its own
// when opts names none; Shutdown runs at cleanup.
func startProvider(t testing.TB, opts Options) *Provider {
	t.Helper()
	if opts.NATS.URL == "" {
		opts.NATS.URL = testenv.NATS(t).ClientURL()
	}
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Start(t, "provider", p)
	return p
}

// checkErr fails the test unless err is want (nil: no error) with msg in
// its message, and reports whether err is nil (the result is then the
// caller's to check).
func checkErr(t *testing.T, err, want error, msg string) bool {
	t.Helper()
	if !errors.Is(err, want) || (err == nil) != (want == nil) {
		t.Fatalf("error %v, want %v", err, want)
	}
	if err != nil && !strings.Contains(err.Error(), msg) {
		t.Errorf("message %q does not contain %q", err, msg)
	}
	return err == nil
}

// env is a started provider with its NATS server and a client connection.
type env struct {
	p   *Provider
	nc  *nats.Conn // the test's own connection
	url string     // NATS URL
	dir string
}

// startEnv starts NATS and a provider on dir ("" = a new temp dir) with the
// REST API on a random port.
func startEnv(t testing.TB, dir string) *env {
	t.Helper()
	ns := testenv.NATS(t)
	return startOn(t, ns.ClientURL(), dir)
}

func startOn(t testing.TB, url, dir string) *env {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	p := startProvider(t, Options{NATS: natsconn.Options{URL: url}, DataDir: dir, RESTAddr: "127.0.0.1:0", AdminToken: adminToken})
	return &env{
		p:   p,
		nc:  testenv.Conn(t, url),
		url: url,
		dir: dir,
	}
}

// listen subscribes to subject and returns the channel of its messages.
func listen(t testing.TB, nc *nats.Conn, subject string) chan *nats.Msg {
	t.Helper()
	ch := make(chan *nats.Msg, 64)
	sub, err := nc.ChanSubscribe(subject, ch)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return ch
}

func next(t testing.TB, ch chan *nats.Msg, what string) *nats.Msg {
	t.Helper()
	return testenv.Receive(t, ch, 5*time.Second, "no "+what+" within 5s")
}

// none checks that nothing arrived on ch after a round trip through the
// server (which the provider's publications would have preceded).
func none(t testing.TB, nc *nats.Conn, ch chan *nats.Msg, what string) {
	t.Helper()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-ch:
		t.Fatalf("unexpected %s on %s", what, m.Subject)
	default:
	}
}

func TestNewValidatesOptions(t *testing.T) {
	nc := natsconn.DefaultOptions()
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"no data dir, no nats", Options{}, []string{"data dir is empty", "nats url is empty"}},
		{"rest without token", Options{NATS: nc, DataDir: t.TempDir(), RESTAddr: ":0"}, []string{"admin token is required"}},
		{"bad instances", Options{NATS: nc, DataDir: t.TempDir(), Instance: "c.m", CAPInstance: "c m"}, []string{`instance "c.m"`, `cap-instance "c m"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.opts); err == nil {
				t.Fatal("New succeeded")
			} else {
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
			}
		})
	}
}

func TestNewOpensNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	p, err := New(Options{NATS: natsconn.DefaultOptions(), DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("New created the data dir: %v", err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown of a provider never started: %v", err)
	}
}

func TestStartReadsAdminTokenFile(t *testing.T) {
	dir := t.TempDir()
	file := testenv.WriteFile(t, dir, "admin.token", "  file-token\n")
	p := startProvider(t, Options{DataDir: dir, RESTAddr: "127.0.0.1:0", AdminTokenFile: file})
	if r := call(t, &env{p: p}, "GET", "/api/v1/tenants/kaa/applications", "Bearer file-token", ""); r.status != 200 {
		t.Errorf("the token of the file is refused: %d %s", r.status, r.body)
	}
	missing, err := New(Options{NATS: natsconn.DefaultOptions(), DataDir: dir, RESTAddr: "127.0.0.1:0", AdminTokenFile: filepath.Join(dir, "nope")})
	if err != nil {
		t.Fatal(err)
	}
	if err := missing.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "admin token") {
		t.Errorf("Start with a missing token file: %v", err)
	}
}

func TestStartCreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	openProvider(t, dir)
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, DBFile): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
	}
}

func TestStartTwiceOnOneDataDirFails(t *testing.T) {
	dir := t.TempDir()
	openProvider(t, dir)
	p, err := New(Options{NATS: natsconn.DefaultOptions(), DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err = p.Start(context.Background()); err == nil {
		_ = p.Shutdown(context.Background())
		t.Fatal("second Start on the same data dir succeeded")
	}
	if !strings.Contains(err.Error(), "in use") {
		t.Errorf("error %q does not say the store is in use", err)
	}
}

func TestShutdownIdempotent(t *testing.T) {
	e := startEnv(t, "")
	ctx := context.Background()
	for i := range 2 {
		if err := e.p.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown #%d: %v", i+1, err)
		}
	}
	if _, err := e.p.ListApps(ctx, testTenant); err == nil {
		t.Error("store usable after Shutdown")
	}
	if err := e.p.Start(ctx); err == nil {
		t.Error("Start after Shutdown succeeded")
	}
}

func TestStartTwiceFails(t *testing.T) {
	e := startEnv(t, "")
	if err := e.p.Start(context.Background()); err == nil {
		t.Fatal("second Start succeeded")
	}
}

// TestPersistence closes the provider and opens another on the same data
// dir: applications, endpoints (their tokens still validate, their statuses
// hold) and credentials survive.
func TestPersistence(t *testing.T) {
	ns := testenv.NATS(t)
	dir := t.TempDir()
	ctx := context.Background()

	e := startOn(t, ns.ClientURL(), dir)
	if _, err := e.p.CreateApp(ctx, testTenant, "demo", []string{"demo-v1", "demo-v2"}, false); err != nil {
		t.Fatal(err)
	}
	ep, token, err := e.p.CreateEndpoint(ctx, testTenant, "demo", "")
	if err != nil {
		t.Fatal(err)
	}
	suspended, suspendedToken, err := e.p.CreateEndpoint(ctx, testTenant, "demo", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.p.SetEndpointStatus(ctx, testTenant, "demo", suspended.ID, StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if r := ecap(t, e.nc, "", "demo", token); r.StatusCode != 200 {
		t.Fatalf("before restart: %d", r.StatusCode)
	}
	basic, err := e.p.CreateBasic(ctx, testTenant, "dev1", "password-of-dev-1")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := e.p.AddCertBySerial(ctx, testTenant, "CN=Test CA", "42")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	e2 := startOn(t, ns.ClientURL(), dir)
	apps, err := e2.p.ListApps(ctx, testTenant)
	if err != nil || len(apps) != 1 || apps[0].Name != "demo" || len(apps[0].Versions) != 2 {
		t.Fatalf("apps after reopen: %+v, %v", apps, err)
	}
	eps, err := e2.p.ListEndpoints(ctx, testTenant, "demo")
	if err != nil || len(eps) != 2 {
		t.Fatalf("endpoints after reopen: %+v, %v", eps, err)
	}
	r := ecap(t, e2.nc, "", "demo", token)
	if r.StatusCode != 200 || *r.EndpointID != ep.ID || *r.TokenID != ep.TokenID {
		t.Fatalf("token after reopen: %+v", r)
	}
	if r := ecap(t, e2.nc, "", "demo", suspendedToken); r.StatusCode != 403 {
		t.Fatalf("suspended token after reopen: %d", r.StatusCode)
	}
	if got := endpointStatus(t, e2.p, "demo", ep.ID); got != StatusActive {
		t.Errorf("status after reopen %s, want active", got)
	}
	if r := basicAuth(t, e2.nc, "", testTenant, "dev1", "password-of-dev-1"); r.StatusCode != 200 || *r.CredentialsID != basic.ID {
		t.Fatalf("basic after reopen: %+v", r)
	}
	if r := certAuth(t, e2.nc, "", "CN=Test CA", "42"); r.StatusCode != 200 || *r.CredentialsID != cert.ID {
		t.Fatalf("cert after reopen: %+v", r)
	}
	if _, err := e2.p.CreateApp(ctx, testTenant, "demo", nil, false); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate app after reopen: %v", err)
	}
}

func endpointStatus(t testing.TB, p *Provider, app, id string) Status {
	t.Helper()
	eps, err := p.ListEndpoints(context.Background(), testTenant, app)
	if err != nil {
		t.Fatal(err)
	}
	for _, ep := range eps {
		if ep.ID == id {
			return ep.Status
		}
	}
	t.Fatalf("endpoint %s not listed", id)
	return ""
}

// demoEndpoint creates application demo of testTenant (auto-registering
// endpoints or not) and one endpoint of it; it returns the endpoint and its
// token.
func demoEndpoint(t testing.TB, p *Provider, autoRegister bool) (Endpoint, string) {
	t.Helper()
	ctx := context.Background()
	if _, err := p.CreateApp(ctx, testTenant, "demo", nil, autoRegister); err != nil {
		t.Fatal(err)
	}
	ep, token, err := p.CreateEndpoint(ctx, testTenant, "demo", "")
	if err != nil {
		t.Fatal(err)
	}
	return ep, token
}

// request sends an ISM request to subject and decodes the answer into resp.
// request sends req to subject and returns the answer, which must carry
// req's correlation ID.
func request[Resp any](t testing.TB, nc *nats.Conn, subject string, req any) Resp {
	t.Helper()
	data, err := ism.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	m, err := nc.Request(subject, data, 10*time.Second)
	if err != nil {
		t.Fatalf("request %s: %v", subject, err)
	}
	var resp Resp
	if err := ism.Unmarshal(m.Data, &resp); err != nil {
		t.Fatal(err)
	}
	if got, want := correlationID(&resp), correlationID(req); got != want {
		t.Fatalf("correlationId %q, want %q", got, want)
	}
	return resp
}

// correlationID is the CorrelationID of the ISM message msg points to.
func correlationID(msg any) string {
	return reflect.ValueOf(msg).Elem().FieldByName("CorrelationID").String()
}

// TestShutdownAnswersInFlight checks that requests received before Shutdown
// are answered before it returns.
func TestShutdownAnswersInFlight(t *testing.T) {
	e := startEnv(t, "")
	ctx := context.Background()
	if _, err := e.p.CreateApp(ctx, testTenant, "demo", nil, true); err != nil {
		t.Fatal(err)
	}
	inbox := nats.NewInbox()
	replies := listen(t, e.nc, inbox)
	const n = 50
	for i := range n {
		data, err := ism.Marshal(&ism.EndpointTokenValidationRequest{CorrelationID: ism.NewCorrelationID(), Timestamp: ism.NowMillis(), AppName: "demo", Token: "tok-" + string(rune('a'+i%26)) + strings.Repeat("x", i)})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.nc.PublishRequest(ism.ServiceSubject(DefaultInstance, ism.ProtoECAP, ism.MsgEPTokenRequest), inbox, data); err != nil {
			t.Fatal(err)
		}
	}
	// Shutdown starts with all of them received by the provider's
	// connection, most of them still pending or being handled.
	testenv.Eventually(t, 5*time.Second, "provider received the requests", func() bool {
		return e.p.subs[0].IsValid() && delivered(e.p.subs[0]) >= n
	})
	if err := e.p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		var resp ism.EndpointTokenValidationResponse
		if err := ism.Unmarshal(next(t, replies, "reply").Data, &resp); err != nil || resp.StatusCode != 200 {
			t.Fatalf("reply %d: %+v, %v", i, resp, err)
		}
	}
}

func delivered(s *nats.Subscription) int64 {
	d, _ := s.Delivered()
	pending, _, _ := s.Pending()
	return d + int64(pending)
}
