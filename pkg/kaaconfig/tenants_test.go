package kaaconfig_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

func TestTransportAuthAllows(t *testing.T) {
	none := kaaconfig.TransportAuth{}
	basic := kaaconfig.TransportAuth{BasicAuth: kaaconfig.Requirement{Required: true}}
	x509 := kaaconfig.TransportAuth{X509Auth: kaaconfig.Requirement{Required: true}}
	both := kaaconfig.TransportAuth{BasicAuth: basic.BasicAuth, X509Auth: x509.X509Auth}
	tests := []struct {
		name   string
		policy kaaconfig.TransportAuth
		method string
		want   bool
	}{
		{"nothing required admits anonymous", none, kaaconfig.AuthNone, true},
		{"nothing required admits basic", none, kaaconfig.AuthBasic, true},
		{"basic required refuses anonymous", basic, kaaconfig.AuthNone, false},
		{"basic required admits basic", basic, kaaconfig.AuthBasic, true},
		{"basic required refuses x509", basic, kaaconfig.AuthX509, false},
		{"x509 required refuses basic", x509, kaaconfig.AuthBasic, false},
		{"x509 required admits x509", x509, kaaconfig.AuthX509, true},
		{"both required admit either", both, kaaconfig.AuthBasic, true},
		{"both required refuse anonymous", both, kaaconfig.AuthNone, false},
	}
	for _, tt := range tests {
		if got := tt.policy.Allows(tt.method); got != tt.want {
			t.Errorf("%s: Allows(%q) = %v", tt.name, tt.method, got)
		}
	}
}

func TestTenantConfigSet(t *testing.T) {
	var c kaaconfig.TenantConfig
	if err := c.Set("tcp", kaaconfig.AuthBasic, true); err != nil {
		t.Fatal(err)
	}
	if err := c.Set("tls", kaaconfig.AuthX509, true); err != nil {
		t.Fatal(err)
	}
	if !c.Auth("tcp").BasicAuth.Required || !c.Auth("tls").X509Auth.Required || c.Auth("ws").Required() {
		t.Fatalf("config after Set: %+v", c)
	}
	data, _ := json.Marshal(c)
	if want := `{"transports":{"mqtt":{"tcp":{"basic-auth":{"required":true}},"tls":{"x509-auth":{"required":true}}}}}`; string(data) != want {
		t.Errorf("JSON %s, want %s", data, want)
	}
	for _, bad := range []struct{ transport, method, want string }{
		{"udp", kaaconfig.AuthBasic, "unknown transport"},
		{"tcp", kaaconfig.AuthX509, "tls transport only"},
		{"tcp", "kerberos", "unknown authentication method"},
	} {
		if err := c.Set(bad.transport, bad.method, true); !errors.Is(err, kaaconfig.ErrPolicy) || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Set(%s, %s): %v, want %q", bad.transport, bad.method, err, bad.want)
		}
	}
}

func TestParseTenantsFromFile(t *testing.T) {
	c, err := kaaconfig.Parse([]byte(`
kaa:
  tenants:
    t1:
      config:
        transports:
          mqtt:
            tcp: {basic-auth: {required: true}}
            tls: {x509-auth: {required: true}}
`))
	if err != nil {
		t.Fatal(err)
	}
	tc := c.TenantConfig("t1")
	if !tc.Auth("tcp").BasicAuth.Required || !tc.Auth("tls").X509Auth.Required || c.TenantConfig("t2").Auth("tcp").Required() {
		t.Fatalf("tenants %+v", c.Tenants)
	}
	_, err = kaaconfig.Parse([]byte("kaa:\n  tenants:\n    t1:\n      config:\n        transports:\n          mqtt:\n            ws: {x509-auth: {required: true}}\n"))
	if err == nil || !strings.Contains(err.Error(), `tenant "t1"`) {
		t.Fatalf("x509 on ws: %v", err)
	}
}

func TestParseUpdate(t *testing.T) {
	const upsert = "kaa.v1.events.cm.service.configuration.upsert"
	const del = "kaa.v1.events.cm.service.configuration.delete"
	tests := []struct {
		name, subject, body string
		wantErr             string
		tenant              bool // TenantUpdate's ok
		required            bool // tcp basic-auth of the tenant config
	}{
		{"tenant upsert", upsert, `{"tenantId":"t1","config":{"kaa":{"tenants":{"t1":{"config":{"transports":{"mqtt":{"tcp":{"basic-auth":{"required":true}}}}}}}}}}`, "", true, true},
		{"tenant delete", del, `{"tenantId":"t1"}`, "", true, false},
		{"application event", upsert, `{"tenantId":"t1","appName":"demo","config":{"kaa":{"bcx":{"tokens":{"expiration":60}}}}}`, "", false, false},
		{"tenant event without tenant config", upsert, `{"tenantId":"t1","config":{}}`, "", false, false},
		{"another tenant's config", upsert, `{"tenantId":"t1","config":{"kaa":{"tenants":{"t2":{"config":{}}}}}}`, "changes another tenant", false, false},
		{"no tenant, no app", upsert, `{"config":{}}`, "neither tenantId nor appName", false, false},
		{"not JSON", upsert, `{`, "configuration event", false, false},
		{"x509 on tcp", upsert, `{"tenantId":"t1","config":{"kaa":{"tenants":{"t1":{"config":{"transports":{"mqtt":{"tcp":{"x509-auth":{"required":true}}}}}}}}}}`, "tls transport only", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := kaaconfig.ParseUpdate(tt.subject, []byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cfg, ok := u.TenantUpdate()
			if ok != tt.tenant {
				t.Fatalf("TenantUpdate ok = %v", ok)
			}
			if got := cfg != nil && cfg.Auth("tcp").BasicAuth.Required; got != tt.required {
				t.Errorf("tcp basic-auth required = %v", got)
			}
		})
	}
	// What a provider publishes parses back to itself.
	var c kaaconfig.TenantConfig
	_ = c.Set("ws", kaaconfig.AuthBasic, true)
	data, _ := json.Marshal(kaaconfig.TenantUpsert("t9", c))
	u, err := kaaconfig.ParseUpdate(upsert, data)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, ok := u.TenantUpdate(); !ok || !cfg.Auth("ws").BasicAuth.Required {
		t.Fatalf("round trip of %s: %+v %v", data, cfg, ok)
	}
}

func TestSetRequirements(t *testing.T) {
	var c kaaconfig.TenantConfig
	if err := c.SetRequirements("tls", kaaconfig.Required, kaaconfig.Required); err != nil {
		t.Fatal(err)
	}
	if err := c.SetRequirements("tls", kaaconfig.Optional, ""); err != nil {
		t.Fatal(err)
	}
	if a := c.Auth("tls"); a.BasicAuth.Required || !a.X509Auth.Required {
		t.Fatalf("tls %+v", a)
	}
	if err := c.SetRequirements("tcp", "mandatory", ""); !errors.Is(err, kaaconfig.ErrPolicy) {
		t.Errorf("bad word: %v", err)
	}
	if p := c.Policies(); len(p) != 3 || p[1] != (kaaconfig.TransportPolicy{Transport: "tls", BasicAuth: "optional", X509Auth: "required"}) {
		t.Errorf("policies %+v", p)
	}
}

func TestSoleTenant(t *testing.T) {
	for _, tt := range []struct {
		yaml, want string
		ok         bool
	}{
		{"kaa: {}", "kaa", true},
		{"kaa: {applications: {a: {tenant-id: t1}, b: {tenant-id: t1}}}", "t1", true},
		{"kaa: {applications: {a: {tenant-id: t1}, b: {}}}", "", false},
		{"kaa: {applications: {a: {}}}", "kaa", true},
	} {
		c, err := kaaconfig.Parse([]byte(tt.yaml))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := c.SoleTenant(); got != tt.want || ok != tt.ok {
			t.Errorf("%s: %q %v, want %q %v", tt.yaml, got, ok, tt.want, tt.ok)
		}
	}
}
