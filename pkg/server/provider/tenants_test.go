package provider

import (
	"context"
	"errors"
	"testing"

	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

// TestTenantConfig: setting a tenant's policy broadcasts it as a 17/SCMP
// upsert that KPC's decoder reads back, deleting it a delete; it survives
// a restart; what Kaa does not allow is refused.
func TestTenantConfig(t *testing.T) {
	e := startEnv(t, "")
	ctx := context.Background()
	events := listen(t, e.nc, ism.EventSubject(DefaultInstance, ism.EntityService, ism.GroupConfiguration, "*"))

	var cfg TenantConfig
	if err := cfg.Set(kaaconfig.TransportTCP, kaaconfig.AuthBasic, true); err != nil {
		t.Fatal(err)
	}
	if err := e.p.SetTenantConfig(ctx, "t1", cfg); err != nil {
		t.Fatal(err)
	}
	m := next(t, events, "configuration upsert")
	u, err := kaaconfig.ParseUpdate(m.Subject, m.Data)
	if err != nil {
		t.Fatalf("event %s %s: %v", m.Subject, m.Data, err)
	}
	if got, ok := u.TenantUpdate(); !ok || u.TenantID != "t1" || !got.Auth(kaaconfig.TransportTCP).BasicAuth.Required {
		t.Fatalf("upsert %s carries %+v %v", m.Data, got, ok)
	}
	if got, err := e.p.GetTenantConfig(ctx, "t1"); err != nil || got != cfg {
		t.Fatalf("get: %+v %v", got, err)
	}
	if got, err := e.p.GetTenantConfig(ctx, "t2"); err != nil || got != (TenantConfig{}) {
		t.Fatalf("get of a tenant without one: %+v %v", got, err)
	}

	bad := TenantConfig{}
	bad.Transports.MQTT.WS.X509Auth.Required = true
	if err := e.p.SetTenantConfig(ctx, "t1", bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("x509 on ws: %v, want ErrInvalid", err)
	}
	if err := e.p.SetTenantConfig(ctx, "bad tenant", cfg); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad tenant ID: %v", err)
	}
	none(t, e.nc, events, "event for a refused change")

	// A restart keeps it.
	url, dir := e.url, e.dir
	if err := e.p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	e2 := startOn(t, url, dir)
	all, err := e2.p.TenantConfigs(ctx)
	if err != nil || len(all) != 1 || all["t1"] != cfg {
		t.Fatalf("after restart: %+v %v", all, err)
	}

	if err := e2.p.DeleteTenantConfig(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	m = next(t, events, "configuration delete")
	if u, err := kaaconfig.ParseUpdate(m.Subject, m.Data); err != nil || !u.Delete || u.TenantID != "t1" {
		t.Fatalf("delete event %s %s: %+v %v", m.Subject, m.Data, u, err)
	}
	if err := e2.p.DeleteTenantConfig(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	none(t, e2.nc, events, "event for deleting nothing")
}

func TestRESTTenantConfig(t *testing.T) {
	e := startEnv(t, "")
	bearer := "Bearer " + adminToken
	const path = "/api/v1/tenants/t1/config"
	if r := call(t, e, "GET", path, bearer, ""); r.status != 200 || r.body != "{\"transports\":{\"mqtt\":{}}}\n" {
		t.Fatalf("GET before any: %d %q", r.status, r.body)
	}
	body := `{"transports":{"mqtt":{"tls":{"x509-auth":{"required":true}}}}}`
	if r := call(t, e, "PUT", path, bearer, body); r.status != 200 || r.body != body+"\n" {
		t.Fatalf("PUT: %d %q", r.status, r.body)
	}
	if r := call(t, e, "GET", path, bearer, ""); r.status != 200 || r.body != body+"\n" {
		t.Fatalf("GET: %d %q", r.status, r.body)
	}
	wantError(t, call(t, e, "PUT", path, bearer, `{"transports":{"mqtt":{"tcp":{"basic_auth":{"required":true}}}}}`), 400, `unknown field "basic_auth"`)
	wantError(t, call(t, e, "PUT", path, bearer, `{"transports":{"mqtt":{"tcp":{"x509-auth":{"required":true}}}}}`), 400, "tls transport only")
	wantError(t, call(t, e, "PUT", path, "", body), 401, "missing bearer token")
	if r := call(t, e, "DELETE", path, bearer, ""); r.status != 204 {
		t.Fatalf("DELETE: %d %q", r.status, r.body)
	}
	wantError(t, call(t, e, "PATCH", path, bearer, body), 405, "method PATCH not allowed")
}
