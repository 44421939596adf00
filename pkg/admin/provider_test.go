package admin_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
	"github.com/kaactl/kaactl/pkg/server/provider"
)

const (
	tenant     = "kaa"
	adminToken = "s3cret-admin-token"
)

// startProvider starts NATS and a provider with its REST API on a random
// port, and returns a client of it and a NATS connection.
func startProvider(t *testing.T) (*admin.ProviderClient, *nats.Conn) {
	t.Helper()
	ns := testenv.NATS(t)
	p, err := provider.New(provider.Options{NATS: natsconn.Options{URL: ns.ClientURL()}, DataDir: t.TempDir(), RESTAddr: "127.0.0.1:0", AdminToken: adminToken})
	if err != nil {
		t.Fatal(err)
	}
	testenv.Start(t, "provider", p)
	c := &admin.ProviderClient{REST: admin.REST{BaseURL: "http://" + p.RESTAddr(), Token: adminToken}}
	return c, testenv.Conn(t, ns.ClientURL())
}

// TestProviderClient drives every store operation through the REST client.
func TestProviderClient(t *testing.T) {
	c, nc := startProvider(t)
	ctx := context.Background()

	if err := c.Health(ctx); err != nil {
		t.Fatalf("health: %v", err)
	}
	app, err := c.CreateApp(ctx, tenant, "demo", nil, false)
	if err != nil || app.Name != "demo" || len(app.Versions) != 1 || app.Versions[0] != "demo-v1" {
		t.Fatalf("create app %+v, %v", app, err)
	}
	if _, err := c.CreateApp(ctx, tenant, "demo", nil, false); !errors.Is(err, admin.ErrExists) || err.Error() != `application "demo" already exists in tenant "kaa"` {
		t.Errorf("duplicate app: %v", err)
	}
	if _, err := c.CreateApp(ctx, tenant, "Bad", nil, false); !errors.Is(err, admin.ErrInvalid) {
		t.Errorf("bad app name: %v", err)
	}
	apps, err := c.ListApps(ctx, tenant)
	if err != nil || len(apps) != 1 {
		t.Fatalf("list apps %+v, %v", apps, err)
	}

	ep, token, err := c.CreateEndpoint(ctx, tenant, "demo", "")
	if err != nil || ep.ID == "" || token == "" || ep.Status != api.StatusInactive {
		t.Fatalf("create endpoint %+v %q, %v", ep, token, err)
	}
	named, tok2, err := c.CreateEndpointWith(ctx, tenant, "demo", api.EndpointSpec{Token: "fixed-token", Name: "n1"})
	if err != nil || tok2 != "fixed-token" || named.Name != "n1" {
		t.Fatalf("create named endpoint %+v %q, %v", named, tok2, err)
	}
	if _, _, err := c.CreateEndpoint(ctx, tenant, "nope", ""); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("endpoint of unknown app: %v", err)
	}
	eps, err := c.ListEndpoints(ctx, tenant, "demo")
	if err != nil || len(eps) != 2 {
		t.Fatalf("list endpoints %+v, %v", eps, err)
	}
	events := make(chan *nats.Msg, 8)
	sub, err := nc.ChanSubscribe(ism.EventSubject("*", ism.EntityEndpoint, ism.GroupToken, ism.EventRevoked), events)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := c.SetEndpointStatus(ctx, tenant, "demo", ep.ID, api.StatusRevoked); err != nil {
		t.Fatal(err)
	}
	testenv.Receive(t, events, 5*time.Second, "no token revoked event within 5s")
	if err := c.SetEndpointStatus(ctx, tenant, "demo", ep.ID, api.StatusActive); !errors.Is(err, admin.ErrInvalid) {
		t.Errorf("re-activate revoked: %v", err)
	}

	basic, err := c.CreateBasic(ctx, tenant, "dev1", "password-of-dev-1")
	if err != nil || basic.Username != "dev1" {
		t.Fatalf("create basic %+v, %v", basic, err)
	}
	withClient, err := c.CreateBasicWith(ctx, tenant, api.BasicSpec{Username: "dev2", Password: "password-of-dev-2", ClientID: "c2"})
	if err != nil || withClient.ClientID != "c2" {
		t.Fatalf("create basic with client ID %+v, %v", withClient, err)
	}
	if list, err := c.ListBasic(ctx, tenant); err != nil || len(list) != 2 {
		t.Fatalf("list basic %+v, %v", list, err)
	}
	if err := c.SetBasicStatus(ctx, tenant, withClient.ID, api.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if list, err := c.ListBasic(ctx, tenant); err != nil || list[1].Status != api.StatusSuspended {
		t.Fatalf("list after suspend %+v, %v", list, err)
	}
	if err := c.SetBasicStatus(ctx, tenant, withClient.ID, "paused"); !errors.Is(err, admin.ErrInvalid) {
		t.Errorf("unknown status: %v", err)
	}
	if err := c.RevokeBasic(ctx, tenant, basic.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeBasic(ctx, tenant, "nope"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("revoke unknown basic: %v", err)
	}

	cert, err := c.AddCert(ctx, tenant, testenv.SelfSigned(t, "device-1", 99).PEM)
	if err != nil || cert.Serial != "99" || cert.Subject == "" || cert.NotAfter == nil {
		t.Fatalf("add cert %+v, %v", cert, err)
	}
	if _, err := c.AddCert(ctx, tenant, []byte("junk")); !errors.Is(err, admin.ErrInvalid) {
		t.Errorf("bad PEM: %v", err)
	}
	if _, err := c.AddCertBySerial(ctx, tenant, "CN=X", "5"); err != nil {
		t.Fatal(err)
	}
	if list, err := c.ListCerts(ctx, tenant); err != nil || len(list) != 2 {
		t.Fatalf("list certs %+v, %v", list, err)
	}
	if err := c.SetCertStatus(ctx, tenant, cert.ID, api.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if err := c.SetCertStatus(ctx, tenant, cert.ID, api.StatusActive); err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeCert(ctx, tenant, cert.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.SetCertStatus(ctx, tenant, cert.ID, api.StatusActive); !errors.Is(err, admin.ErrInvalid) {
		t.Errorf("activate a revoked certificate: %v", err)
	}

	var policy api.TenantConfig
	if err := policy.Set("tcp", "basic", true); err != nil {
		t.Fatal(err)
	}
	if err := c.SetTenantConfig(ctx, tenant, policy); err != nil {
		t.Fatal(err)
	}
	if got, err := c.TenantConfig(ctx, tenant); err != nil || got != policy {
		t.Fatalf("tenant config %+v, %v", got, err)
	}
	policy.Transports.MQTT.TCP.X509Auth.Required = true
	if err := c.SetTenantConfig(ctx, tenant, policy); !errors.Is(err, admin.ErrInvalid) {
		t.Errorf("x509 on tcp: %v", err)
	}
	if err := c.DeleteTenantConfig(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	if got, err := c.TenantConfig(ctx, tenant); err != nil || got != (api.TenantConfig{}) {
		t.Fatalf("tenant config after delete %+v, %v", got, err)
	}

	bad := &admin.ProviderClient{REST: admin.REST{BaseURL: c.BaseURL, Token: "wrong"}}
	if _, err := bad.ListApps(ctx, tenant); !errors.Is(err, admin.ErrUnauthorized) {
		t.Errorf("wrong token: %v", err)
	}
}

// TestProviderClientPagingAndDelete: paged listings say the total; bulk
// deletes go in batches and count what existed.
func TestProviderClientPagingAndDelete(t *testing.T) {
	c, _ := startProvider(t)
	ctx := context.Background()
	if _, err := c.CreateApp(ctx, tenant, "sim", nil, false); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 5 {
		ep, _, err := c.CreateEndpoint(ctx, tenant, "sim", "tok-"+string(rune('a'+i)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ep.ID)
	}
	page, total, err := c.ListEndpointsPage(ctx, tenant, "sim", 3, 10)
	if err != nil || total != 5 || len(page) != 2 || page[0].ID != ids[3] {
		t.Fatalf("page %v total %d %v, want the last 2 of 5", page, total, err)
	}
	if _, _, err := c.ListEndpointsPage(ctx, tenant, "nope", 0, 10); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("unknown application: %v", err)
	}
	if err := c.DeleteEndpoint(ctx, tenant, "sim", ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteEndpoint(ctx, tenant, "sim", ids[0]); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("deleted twice: %v", err)
	}
	if n, err := c.DeleteEndpoints(ctx, tenant, "sim", ids[:3]); err != nil || n != 2 {
		t.Errorf("delete some: %d %v, want 2", n, err)
	}
	if n, err := c.DeleteAllEndpoints(ctx, tenant, "sim"); err != nil || n != 2 {
		t.Errorf("delete all: %d %v, want 2", n, err)
	}
	if _, total, err := c.ListEndpointsPage(ctx, tenant, "sim", 0, 10); err != nil || total != 0 {
		t.Errorf("after delete all: total %d %v", total, err)
	}
}
