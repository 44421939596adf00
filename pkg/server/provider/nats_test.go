package provider

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
)

// ecap asks the provider instance ("" = cm) to validate a token and checks
// the correlation ID of the answer.
func ecap(t testing.TB, nc *nats.Conn, instance, app, token string) ism.EndpointTokenValidationResponse {
	t.Helper()
	req := ism.EndpointTokenValidationRequest{CorrelationID: ism.NewCorrelationID(), Timestamp: ism.NowMillis(), AppName: app, Token: token}
	return request[ism.EndpointTokenValidationResponse](t, nc, ism.ServiceSubject(cmp.Or(instance, DefaultInstance), ism.ProtoECAP, ism.MsgEPTokenRequest), &req)
}

func basicAuth(t testing.TB, nc *nats.Conn, instance, tenant, user, password string) ism.BasicAuthenticationResponse {
	t.Helper()
	req := ism.BasicAuthenticationRequest{CorrelationID: ism.NewCorrelationID(), Timestamp: ism.NowMillis(), TenantID: tenant, Username: user, Password: password}
	return request[ism.BasicAuthenticationResponse](t, nc, ism.ServiceSubject(cmp.Or(instance, DefaultCAPInstance), ism.ProtoCAP, ism.MsgBasicRequest), &req)
}

func certAuth(t testing.TB, nc *nats.Conn, instance, issuer, serial string) ism.CertificateAuthenticationResponse {
	t.Helper()
	req := ism.CertificateAuthenticationRequest{CorrelationID: ism.NewCorrelationID(), Timestamp: ism.NowMillis(), Issuer: issuer, SerialNumber: serial}
	return request[ism.CertificateAuthenticationResponse](t, nc, ism.ServiceSubject(cmp.Or(instance, DefaultCAPInstance), ism.ProtoCAP, ism.MsgCertificateRequest), &req)
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func TestECAPEndpointStates(t *testing.T) {
	e := startEnv(t, "")
	ctx := context.Background()
	if _, err := e.p.CreateApp(ctx, testTenant, "demo", nil, false); err != nil {
		t.Fatal(err)
	}
	mk := func(status Status) (Endpoint, string) {
		ep, token, err := e.p.CreateEndpoint(ctx, testTenant, "demo", "")
		if err != nil {
			t.Fatal(err)
		}
		if status != StatusInactive {
			if err := e.p.SetEndpointStatus(ctx, testTenant, "demo", ep.ID, status); err != nil {
				t.Fatal(err)
			}
		}
		return ep, token
	}
	inactive, inactiveTok := mk(StatusInactive)
	active, activeTok := mk(StatusActive)
	_, suspendedTok := mk(StatusSuspended)
	_, revokedTok := mk(StatusRevoked)

	tests := []struct {
		name       string
		app, token string
		wantCode   int32
		wantReason string
		wantEP     *Endpoint
	}{
		{"inactive becomes active", "demo", inactiveTok, 200, "", &inactive},
		{"inactive again (now active)", "demo", inactiveTok, 200, "", &inactive},
		{"active", "demo", activeTok, 200, "", &active},
		{"suspended", "demo", suspendedTok, 403, "endpoint suspended", nil},
		{"revoked", "demo", revokedTok, 401, "endpoint token revoked", nil},
		{"unknown token", "demo", "no-such-token", 401, "unknown endpoint token", nil},
		{"empty token", "demo", "", 401, "unknown endpoint token", nil},
		{"unknown application", "nope", activeTok, 404, "unknown application", nil},
		{"token of another app's name", "demo-v1", activeTok, 404, "unknown application", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ecap(t, e.nc, "", tt.app, tt.token)
			if r.StatusCode != tt.wantCode {
				t.Fatalf("status %d (%s), want %d", r.StatusCode, str(r.ReasonPhrase), tt.wantCode)
			}
			if tt.wantEP == nil {
				if str(r.ReasonPhrase) != tt.wantReason || r.EndpointID != nil || r.TokenID != nil {
					t.Errorf("got reason %q endpoint %s token %s, want reason %q and no IDs", str(r.ReasonPhrase), str(r.EndpointID), str(r.TokenID), tt.wantReason)
				}
				return
			}
			if str(r.EndpointID) != tt.wantEP.ID || str(r.TokenID) != tt.wantEP.TokenID {
				t.Errorf("got endpoint %s token %s, want %s %s", str(r.EndpointID), str(r.TokenID), tt.wantEP.ID, tt.wantEP.TokenID)
			}
		})
	}
	if got := endpointStatus(t, e.p, "demo", inactive.ID); got != StatusActive {
		t.Errorf("first use left the endpoint %s, want active", got)
	}
}

func TestRevokedEvents(t *testing.T) {
	tests := []struct {
		name     string
		status   Status
		wantCode int32
	}{
		{"suspend", StatusSuspended, 403},
		{"revoke", StatusRevoked, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, "")
			ctx := context.Background()
			events := listen(t, e.nc, ism.EventSubject("*", ism.EntityEndpoint, ism.GroupToken, ism.EventRevoked))
			ep, token := demoEndpoint(t, e.p, false)
			if r := ecap(t, e.nc, "", "demo", token); r.StatusCode != 200 {
				t.Fatalf("before: %d", r.StatusCode)
			}
			if err := e.p.SetEndpointStatus(ctx, testTenant, "demo", ep.ID, tt.status); err != nil {
				t.Fatal(err)
			}
			m := next(t, events, "token revoked event")
			if want := ism.EventSubject(DefaultInstance, ism.EntityEndpoint, ism.GroupToken, ism.EventRevoked); m.Subject != want {
				t.Errorf("subject %s, want %s", m.Subject, want)
			}
			var ev ism.EndpointTokenRevokedEvent
			if err := ism.Unmarshal(m.Data, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.AppName != "demo" || ev.EndpointID != ep.ID || len(ev.TokenIDs) != 1 || ev.TokenIDs[0] != ep.TokenID || ev.OriginatorReplicaID == "" || ev.CorrelationID == "" {
				t.Errorf("event %+v, want app demo, endpoint %s, token IDs [%s]", ev, ep.ID, ep.TokenID)
			}
			if r := ecap(t, e.nc, "", "demo", token); r.StatusCode != tt.wantCode {
				t.Errorf("after: %d, want %d", r.StatusCode, tt.wantCode)
			}
			// The same status again changes nothing and says nothing.
			if err := e.p.SetEndpointStatus(ctx, testTenant, "demo", ep.ID, tt.status); err != nil {
				t.Fatal(err)
			}
			none(t, e.nc, events, "second event")
		})
	}
}

func TestSuspendThenActivate(t *testing.T) {
	e := startEnv(t, "")
	ctx := context.Background()
	ep, token := demoEndpoint(t, e.p, false)
	steps := []struct {
		status   Status
		wantCode int32
	}{
		{StatusSuspended, 403},
		{StatusActive, 200},
		{StatusRevoked, 401},
	}
	for _, s := range steps {
		if err := e.p.SetEndpointStatus(ctx, testTenant, "demo", ep.ID, s.status); err != nil {
			t.Fatalf("%s: %v", s.status, err)
		}
		if r := ecap(t, e.nc, "", "demo", token); r.StatusCode != s.wantCode {
			t.Fatalf("after %s: %d, want %d", s.status, r.StatusCode, s.wantCode)
		}
	}
}

func TestAutoRegister(t *testing.T) {
	e := startEnv(t, "")
	ctx := context.Background()
	if _, err := e.p.CreateApp(ctx, testTenant, "open", nil, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.CreateApp(ctx, testTenant, "closed", nil, false); err != nil {
		t.Fatal(err)
	}
	r1 := ecap(t, e.nc, "", "open", "device-1")
	if r1.StatusCode != 200 || r1.EndpointID == nil || r1.TokenID == nil {
		t.Fatalf("auto-register: %+v", r1)
	}
	r2 := ecap(t, e.nc, "", "open", "device-1")
	if str(r2.EndpointID) != *r1.EndpointID || str(r2.TokenID) != *r1.TokenID {
		t.Fatalf("second request resolved %s, first %s", str(r2.EndpointID), *r1.EndpointID)
	}
	eps, err := e.p.ListEndpoints(ctx, testTenant, "open")
	if err != nil || len(eps) != 1 || eps[0].ID != *r1.EndpointID || eps[0].Status != StatusActive {
		t.Fatalf("endpoints: %+v, %v", eps, err)
	}
	for _, tc := range []struct{ app, token string }{{"closed", "device-1"}, {"open", ""}, {"open", "a/b"}} {
		if r := ecap(t, e.nc, "", tc.app, tc.token); r.StatusCode != 401 {
			t.Errorf("app %s token %q: %d, want 401", tc.app, tc.token, r.StatusCode)
		}
	}
	// An auto-registered endpoint is an endpoint like the others.
	if err := e.p.SetEndpointStatus(ctx, testTenant, "open", *r1.EndpointID, StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if r := ecap(t, e.nc, "", "open", "device-1"); r.StatusCode != 403 {
		t.Errorf("suspended auto-registered endpoint: %d", r.StatusCode)
	}
}

func TestConcurrentECAP(t *testing.T) {
	e := startEnv(t, "")
	ctx := context.Background()
	if _, err := e.p.CreateApp(ctx, testTenant, "demo", nil, true); err != nil {
		t.Fatal(err)
	}
	const n = 100
	tokens := make([]string, n)
	ids := make([]string, n)
	for i := range n / 2 {
		ep, token, err := e.p.CreateEndpoint(ctx, testTenant, "demo", "")
		if err != nil {
			t.Fatal(err)
		}
		tokens[i], ids[i] = token, ep.ID
	}
	for i := n / 2; i < n; i++ {
		tokens[i] = fmt.Sprintf("auto-%d", i) // auto-registered
	}
	var wg sync.WaitGroup
	got := make([]ism.EndpointTokenValidationResponse, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			req := ism.EndpointTokenValidationRequest{CorrelationID: ism.NewCorrelationID(), Timestamp: ism.NowMillis(), AppName: "demo", Token: tokens[i]}
			data, err := ism.Marshal(&req)
			if err != nil {
				errs[i] = err
				return
			}
			m, err := e.nc.Request(ism.ServiceSubject(DefaultInstance, ism.ProtoECAP, ism.MsgEPTokenRequest), data, 10*time.Second)
			if err != nil {
				errs[i] = err
				return
			}
			errs[i] = ism.Unmarshal(m.Data, &got[i])
			if errs[i] == nil && got[i].CorrelationID != req.CorrelationID {
				errs[i] = fmt.Errorf("correlationId %s, want %s", got[i].CorrelationID, req.CorrelationID)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		r := got[i]
		if r.StatusCode != 200 || r.EndpointID == nil {
			t.Fatalf("request %d: %d %s", i, r.StatusCode, str(r.ReasonPhrase))
		}
		if ids[i] != "" && *r.EndpointID != ids[i] {
			t.Errorf("request %d resolved %s, want %s", i, *r.EndpointID, ids[i])
		}
		if seen[*r.EndpointID] {
			t.Errorf("endpoint %s resolved twice", *r.EndpointID)
		}
		seen[*r.EndpointID] = true
	}
	eps, err := e.p.ListEndpoints(ctx, testTenant, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != n {
		t.Fatalf("%d endpoints, want %d", len(eps), n)
	}
	for _, ep := range eps {
		if ep.Status != StatusActive {
			t.Errorf("endpoint %s is %s after use, want active", ep.ID, ep.Status)
		}
	}
}

func TestCAPBasic(t *testing.T) {
	e := startEnv(t, "")
	ctx := context.Background()
	events := listen(t, e.nc, ism.EventSubject("*", ism.EntityClientCredentials, "*", ism.EventRevoked))
	cred, err := e.p.CreateBasic(ctx, testTenant, "dev1", "right-password-of-dev1")
	if err != nil {
		t.Fatal(err)
	}
	if cred.ClientID != "dev1" || cred.Status != StatusActive {
		t.Fatalf("credential %+v", cred)
	}
	if _, err := e.p.CreateBasic(ctx, testTenant, "dev2", "other-password-of-dev2"); err != nil {
		t.Fatal(err)
	}
	const unauthorized = "invalid username or password"
	tests := []struct {
		name, tenant, user, password string
		wantCode                     int32
	}{
		{"right password", testTenant, "dev1", "right-password-of-dev1", 200},
		{"wrong password", testTenant, "dev1", "wrong-password", 401},
		{"empty password", testTenant, "dev1", "", 401},
		{"another user's password", testTenant, "dev1", "other-password-of-dev2", 401},
		{"unknown user", testTenant, "nobody", "right-password", 401},
		{"other tenant", "other", "dev1", "right-password-of-dev1", 401},
		{"password with more after it", testTenant, "dev1", "right-password-of-dev1" + string(make([]byte, 80)), 401},
		{"user@tenant without tenant", "", "dev1@" + testTenant, "right-password-of-dev1", 200},
		{"user@tenant, wrong password", "", "dev1@" + testTenant, "wrong", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := basicAuth(t, e.nc, "", tt.tenant, tt.user, tt.password)
			if r.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d", r.StatusCode, tt.wantCode)
			}
			if tt.wantCode == 200 {
				if str(r.CredentialsID) != cred.ID || str(r.ClientID) != "dev1" {
					t.Errorf("credentials %s client %s, want %s dev1", str(r.CredentialsID), str(r.ClientID), cred.ID)
				}
				return
			}
			if str(r.ReasonPhrase) != unauthorized || r.CredentialsID != nil || r.ClientID != nil {
				t.Errorf("got %+v, want the same 401 for every failure", r)
			}
		})
	}

	if err := e.p.RevokeBasic(ctx, testTenant, cred.ID); err != nil {
		t.Fatal(err)
	}
	if ev := credentialsRevoked(t, events, ism.GroupBasic); ev.TenantID != testTenant || ev.CredentialsID != cred.ID || ev.OriginatorReplicaID == "" {
		t.Errorf("event %+v", ev)
	}
	r := basicAuth(t, e.nc, "", testTenant, "dev1", "right-password-of-dev1")
	if r.StatusCode != 401 || str(r.ReasonPhrase) != unauthorized {
		t.Errorf("revoked: %d %s, want the same 401", r.StatusCode, str(r.ReasonPhrase))
	}
	if err := e.p.RevokeBasic(ctx, testTenant, cred.ID); err != nil {
		t.Fatalf("second revoke: %v", err)
	}
	none(t, e.nc, events, "second event")

	// The username is free again after revocation.
	cred2, err := e.p.CreateBasic(ctx, testTenant, "dev1", "new-password-of-dev1")
	if err != nil {
		t.Fatal(err)
	}
	if r := basicAuth(t, e.nc, "", testTenant, "dev1", "new-password-of-dev1"); r.StatusCode != 200 || str(r.CredentialsID) != cred2.ID {
		t.Errorf("re-created: %d %s", r.StatusCode, str(r.CredentialsID))
	}
}

// TestCredentialsSuspendAndActivate: suspended credentials authenticate no
// client and are announced as revoked (22/CAP: credentials that became
// unusable), re-activated ones authenticate again without an event, and
// revocation is final; for basic and X.509 credentials alike.
func TestCredentialsSuspendAndActivate(t *testing.T) {
	e := startEnv(t, "")
	ctx := context.Background()
	events := listen(t, e.nc, ism.EventSubject("*", ism.EntityClientCredentials, "*", ism.EventRevoked))
	basic, err := e.p.CreateBasic(ctx, testTenant, "dev1", "right-password-of-dev1")
	if err != nil {
		t.Fatal(err)
	}
	dev := testenv.NewCA(t, "Test CA").Issue(t, "device-1", 4242)
	cert, err := e.p.AddCert(ctx, testTenant, dev.PEM)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, group, id string
		set             func(ctx context.Context, tenant, id string, st Status) error
		auth            func() int32
	}{
		{"basic", ism.GroupBasic, basic.ID, e.p.SetBasicStatus,
			func() int32 { return basicAuth(t, e.nc, "", testTenant, "dev1", "right-password-of-dev1").StatusCode }},
		{"x509", ism.GroupCertificate, cert.ID, e.p.SetCertStatus,
			func() int32 { return certAuth(t, e.nc, "", dev.Cert.Issuer.String(), "4242").StatusCode }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.set(ctx, testTenant, tt.id, StatusSuspended); err != nil {
				t.Fatal(err)
			}
			if ev := credentialsRevoked(t, events, tt.group); ev.TenantID != testTenant || ev.CredentialsID != tt.id {
				t.Errorf("suspend: event %+v", ev)
			}
			if code := tt.auth(); code != 401 {
				t.Errorf("suspended: %d, want 401", code)
			}
			if err := tt.set(ctx, testTenant, tt.id, StatusSuspended); err != nil {
				t.Fatalf("second suspend: %v", err)
			}
			none(t, e.nc, events, "event of a second suspend")
			if err := tt.set(ctx, testTenant, tt.id, StatusActive); err != nil {
				t.Fatal(err)
			}
			none(t, e.nc, events, "event of an activation")
			if code := tt.auth(); code != 200 {
				t.Errorf("re-activated: %d, want 200", code)
			}
			for _, bad := range []Status{StatusInactive, "paused"} {
				if err := tt.set(ctx, testTenant, tt.id, bad); !errors.Is(err, ErrInvalid) {
					t.Errorf("status %q: %v, want ErrInvalid", bad, err)
				}
			}
			if err := tt.set(ctx, testTenant, "nope", StatusSuspended); !errors.Is(err, ErrNotFound) {
				t.Errorf("unknown credentials: %v, want ErrNotFound", err)
			}
			if err := tt.set(ctx, testTenant, tt.id, StatusRevoked); err != nil {
				t.Fatal(err)
			}
			credentialsRevoked(t, events, tt.group)
			err := tt.set(ctx, testTenant, tt.id, StatusActive)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "revocation is final") {
				t.Errorf("activate revoked: %v, want ErrInvalid (final)", err)
			}
			if code := tt.auth(); code != 401 {
				t.Errorf("revoked: %d, want 401", code)
			}
		})
	}
	// A suspended credential keeps its username: it is not free to re-create.
	b2, err := e.p.CreateBasic(ctx, testTenant, "dev2", "right-password-of-dev2")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.p.SetBasicStatus(ctx, testTenant, b2.ID, StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.CreateBasic(ctx, testTenant, "dev2", "another-password-of-dev2"); !errors.Is(err, ErrExists) {
		t.Errorf("re-create a suspended username: %v, want ErrExists", err)
	}
}

// credentialsRevoked is the next event on events: a 22/CAP credentials
// revoked event of group, on its subject.
func credentialsRevoked(t *testing.T, events chan *nats.Msg, group string) ism.CredentialsRevokedEvent {
	t.Helper()
	m := next(t, events, "credentials revoked event")
	if want := ism.EventSubject(DefaultCAPInstance, ism.EntityClientCredentials, group, ism.EventRevoked); m.Subject != want {
		t.Errorf("subject %s, want %s", m.Subject, want)
	}
	var ev ism.CredentialsRevokedEvent
	if err := ism.Unmarshal(m.Data, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestCAPCertificate(t *testing.T) {
	e := startEnv(t, "")
	ctx := context.Background()
	events := listen(t, e.nc, ism.EventSubject("*", ism.EntityClientCredentials, "*", ism.EventRevoked))
	dev := testenv.NewCA(t, "Test CA").Issue(t, "device-1", 123456789)
	certPEM, cert := dev.PEM, dev.Cert
	byPEM, err := e.p.AddCert(ctx, testTenant, certPEM)
	if err != nil {
		t.Fatal(err)
	}
	bySerial, err := e.p.AddCertBySerial(ctx, "other", "CN=Other CA,O=Acme", "0042")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, issuer, serial string
		wantCode             int32
		wantTenant, wantID   string
	}{
		{"registered PEM", cert.Issuer.String(), "123456789", 200, testTenant, byPEM.ID},
		{"registered by serial", "CN=Other CA,O=Acme", "42", 200, "other", bySerial.ID},
		{"serial with leading zeros", "CN=Other CA,O=Acme", "00042", 200, "other", bySerial.ID},
		{"wrong serial", cert.Issuer.String(), "123456780", 401, "", ""},
		{"wrong issuer", "CN=Evil CA", "123456789", 401, "", ""},
		{"hex serial", cert.Issuer.String(), "75bcd15", 401, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := certAuth(t, e.nc, "", tt.issuer, tt.serial)
			if r.StatusCode != tt.wantCode || str(r.TenantID) != cmp.Or(tt.wantTenant, "<nil>") || str(r.CredentialsID) != cmp.Or(tt.wantID, "<nil>") {
				t.Errorf("got %d tenant %s credentials %s, want %d %s %s", r.StatusCode, str(r.TenantID), str(r.CredentialsID), tt.wantCode, tt.wantTenant, tt.wantID)
			}
		})
	}
	if err := e.p.RevokeCert(ctx, testTenant, byPEM.ID); err != nil {
		t.Fatal(err)
	}
	if ev := credentialsRevoked(t, events, ism.GroupCertificate); ev.TenantID != testTenant || ev.CredentialsID != byPEM.ID {
		t.Errorf("event %+v", ev)
	}
	if r := certAuth(t, e.nc, "", cert.Issuer.String(), "123456789"); r.StatusCode != 401 {
		t.Errorf("revoked certificate: %d", r.StatusCode)
	}
}

func TestMalformedRequests(t *testing.T) {
	e := startEnv(t, "")
	if _, err := e.p.CreateApp(context.Background(), testTenant, "demo", nil, true); err != nil {
		t.Fatal(err)
	}
	inbox := nats.NewInbox()
	replies := listen(t, e.nc, inbox)
	for _, subj := range []string{
		ism.ServiceSubject(DefaultInstance, ism.ProtoECAP, ism.MsgEPTokenRequest),
		ism.ServiceSubject(DefaultCAPInstance, ism.ProtoCAP, ism.MsgBasicRequest),
		ism.ServiceSubject(DefaultCAPInstance, ism.ProtoCAP, ism.MsgCertificateRequest),
	} {
		for _, junk := range [][]byte{nil, {0xff}, []byte("not avro at all, definitely not"), {0x02, 'a', 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}} {
			if err := e.nc.PublishRequest(subj, inbox, junk); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Still serving, and the junk got no answer: the good request's reply is
	// the first (and only) one on the inbox.
	if r := ecap(t, e.nc, "", "demo", "device"); r.StatusCode != 200 {
		t.Fatalf("after junk: %d", r.StatusCode)
	}
	if r := basicAuth(t, e.nc, "", testTenant, "x", "y"); r.StatusCode != 401 {
		t.Fatalf("after junk: %d", r.StatusCode)
	}
	none(t, e.nc, replies, "reply to junk")
}

func TestCustomInstances(t *testing.T) {
	ns := testenv.NATS(t)
	p := startProvider(t, Options{NATS: natsconn.Options{URL: ns.ClientURL()}, DataDir: t.TempDir(), Instance: "cm2", CAPInstance: "ccm2"})
	nc := testenv.Conn(t, ns.ClientURL())
	if p.RESTAddr() != "" {
		t.Errorf("REST enabled without RESTAddr: %s", p.RESTAddr())
	}
	ctx := context.Background()
	if _, err := p.CreateApp(ctx, testTenant, "demo", nil, true); err != nil {
		t.Fatal(err)
	}
	if _, err := p.CreateBasic(ctx, testTenant, "u", "password-of-user-u"); err != nil {
		t.Fatal(err)
	}
	if r := ecap(t, nc, "cm2", "demo", "tok"); r.StatusCode != 200 {
		t.Errorf("ecap on cm2: %d", r.StatusCode)
	}
	if r := basicAuth(t, nc, "ccm2", testTenant, "u", "password-of-user-u"); r.StatusCode != 200 {
		t.Errorf("basic on ccm2: %d", r.StatusCode)
	}
}
