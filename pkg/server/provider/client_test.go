package provider

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kaactl/kaactl/pkg/ism"
)

// TestClient drives every store operation through the REST client.
func TestClient(t *testing.T) {
	e := startEnv(t, "")
	ctx := context.Background()
	c := e.api

	if err := c.Health(ctx); err != nil {
		t.Fatalf("health: %v", err)
	}
	app, err := c.CreateApp(ctx, testTenant, "demo", nil, false)
	if err != nil || app.Name != "demo" || len(app.Versions) != 1 || app.Versions[0] != "demo-v1" {
		t.Fatalf("create app %+v, %v", app, err)
	}
	if _, err := c.CreateApp(ctx, testTenant, "demo", nil, false); !errors.Is(err, ErrExists) || err.Error() != `application "demo" already exists in tenant "kaa"` {
		t.Errorf("duplicate app: %v", err)
	}
	if _, err := c.CreateApp(ctx, testTenant, "Bad", nil, false); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad app name: %v", err)
	}
	apps, err := c.ListApps(ctx, testTenant)
	if err != nil || len(apps) != 1 {
		t.Fatalf("list apps %+v, %v", apps, err)
	}

	ep, token, err := c.CreateEndpoint(ctx, testTenant, "demo", "")
	if err != nil || ep.ID == "" || token == "" || ep.Status != StatusInactive {
		t.Fatalf("create endpoint %+v %q, %v", ep, token, err)
	}
	named, tok2, err := c.CreateEndpointWith(ctx, testTenant, "demo", EndpointSpec{Token: "fixed-token", Name: "n1"})
	if err != nil || tok2 != "fixed-token" || named.Name != "n1" {
		t.Fatalf("create named endpoint %+v %q, %v", named, tok2, err)
	}
	if _, _, err := c.CreateEndpoint(ctx, testTenant, "nope", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("endpoint of unknown app: %v", err)
	}
	eps, err := c.ListEndpoints(ctx, testTenant, "demo")
	if err != nil || len(eps) != 2 {
		t.Fatalf("list endpoints %+v, %v", eps, err)
	}
	events := listen(t, e.nc, ism.EventSubject("*", ism.EntityEndpoint, ism.GroupToken, ism.EventRevoked))
	if err := c.SetEndpointStatus(ctx, testTenant, "demo", ep.ID, StatusRevoked); err != nil {
		t.Fatal(err)
	}
	next(t, events, "token revoked event")
	if err := c.SetEndpointStatus(ctx, testTenant, "demo", ep.ID, StatusActive); !errors.Is(err, ErrInvalid) {
		t.Errorf("re-activate revoked: %v", err)
	}

	basic, err := c.CreateBasic(ctx, testTenant, "dev1", "pw")
	if err != nil || basic.Username != "dev1" {
		t.Fatalf("create basic %+v, %v", basic, err)
	}
	withClient, err := c.CreateBasicWith(ctx, testTenant, BasicSpec{Username: "dev2", Password: "pw", ClientID: "c2"})
	if err != nil || withClient.ClientID != "c2" {
		t.Fatalf("create basic with client ID %+v, %v", withClient, err)
	}
	if list, err := c.ListBasic(ctx, testTenant); err != nil || len(list) != 2 {
		t.Fatalf("list basic %+v, %v", list, err)
	}
	if err := c.RevokeBasic(ctx, testTenant, basic.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeBasic(ctx, testTenant, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke unknown basic: %v", err)
	}

	certPEM, _ := newCert(t, "device-1", 99)
	cert, err := c.AddCert(ctx, testTenant, certPEM)
	if err != nil || cert.Serial != "99" {
		t.Fatalf("add cert %+v, %v", cert, err)
	}
	if _, err := c.AddCert(ctx, testTenant, []byte("junk")); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad PEM: %v", err)
	}
	if _, err := c.AddCertBySerial(ctx, testTenant, "CN=X", "5"); err != nil {
		t.Fatal(err)
	}
	if list, err := c.ListCerts(ctx, testTenant); err != nil || len(list) != 2 {
		t.Fatalf("list certs %+v, %v", list, err)
	}
	if err := c.RevokeCert(ctx, testTenant, cert.ID); err != nil {
		t.Fatal(err)
	}

	bad := &Client{BaseURL: c.BaseURL, Token: "wrong"}
	if _, err := bad.ListApps(ctx, testTenant); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong token: %v", err)
	}
}

func TestClientErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   error
		msg    string
	}{
		{"conflict", 409, `{"statusCode":409,"reasonPhrase":"taken"}`, ErrExists, "taken"},
		{"not found", 404, `{"statusCode":404,"reasonPhrase":"gone"}`, ErrNotFound, "gone"},
		{"bad request", 400, `{"statusCode":400,"reasonPhrase":"bad"}`, ErrInvalid, "bad"},
		{"too large", 413, `{"statusCode":413,"reasonPhrase":"big"}`, ErrInvalid, "big"},
		{"unauthorized", 401, `{"statusCode":401,"reasonPhrase":"who"}`, ErrUnauthorized, "who"},
		{"plain text", 404, "404 page not found\n", ErrNotFound, "404 page not found"},
		{"server error", 500, `{"statusCode":500,"reasonPhrase":"internal error"}`, nil, "provider api: 500 Internal Server Error: internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c := &Client{BaseURL: srv.URL + "/", Token: "t"}
			_, err := c.ListApps(context.Background(), testTenant)
			if err == nil || err.Error() != tt.msg {
				t.Fatalf("error %v, want message %q", err, tt.msg)
			}
			for _, s := range []error{ErrExists, ErrNotFound, ErrInvalid, ErrUnauthorized} {
				if errors.Is(err, s) != (s == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %v", err, s, !(s == tt.want))
				}
			}
		})
	}
}

func TestClientEscapesPath(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath()
		w.WriteHeader(204)
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL}
	if err := c.RevokeBasic(context.Background(), "a/b", "x y"); err != nil {
		t.Fatal(err)
	}
	if want := "/api/v1/tenants/a%2Fb/credentials/basic/x%20y/revoke"; got != want {
		t.Errorf("path %s, want %s", got, want)
	}
}
