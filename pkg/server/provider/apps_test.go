package provider

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateApp(t *testing.T) {
	p := openProvider(t, t.TempDir())
	ctx := context.Background()
	if _, err := p.CreateApp(ctx, testTenant, "demo", nil, false); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		tenant   string
		app      string
		versions []string
		want     error
		wantMsg  string
	}{
		{"default version", testTenant, "second", nil, nil, ""},
		{"explicit versions", testTenant, "third", []string{"third-a", "third-b"}, nil, ""},
		{"duplicate", testTenant, "demo", nil, ErrExists, `application "demo" already exists in tenant "kaa"`},
		{"duplicate in another tenant", "other", "demo", []string{"x1"}, ErrExists, `application "demo" already exists (application names are unique per deployment)`},
		{"version taken", testTenant, "fourth", []string{"demo-v1"}, ErrExists, `application version "demo-v1" already exists`},
		{"version twice", testTenant, "fifth", []string{"v", "v"}, ErrInvalid, `application version "v" is listed twice`},
		{"upper case", testTenant, "Demo", nil, ErrInvalid, `application name "Demo" is invalid`},
		{"leading dash", testTenant, "-demo", nil, ErrInvalid, "is invalid"},
		{"empty", testTenant, "", nil, ErrInvalid, "is invalid"},
		{"too long", testTenant, strings.Repeat("a", 64), nil, ErrInvalid, "is invalid"},
		{"bad version", testTenant, "sixth", []string{"v 1"}, ErrInvalid, `application version name "v 1" is invalid`},
		{"bad tenant", "a/b", "seventh", nil, ErrInvalid, `tenant "a/b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := p.CreateApp(ctx, tt.tenant, tt.app, tt.versions, true)
			if !checkErr(t, err, tt.want, tt.wantMsg) {
				return
			}
			if app.Name != tt.app || app.Tenant != tt.tenant || !app.AutoRegister || app.CreatedAt.IsZero() {
				t.Errorf("app %+v", app)
			}
			if tt.versions == nil && (len(app.Versions) != 1 || app.Versions[0] != tt.app+"-v1") {
				t.Errorf("default versions %v", app.Versions)
			}
		})
	}
	// A failed creation leaves nothing behind: "fourth" did not claim a version.
	if _, err := p.CreateApp(ctx, testTenant, "fourth", nil, false); err != nil {
		t.Errorf("retry after failure: %v", err)
	}
	apps, err := p.ListApps(ctx, testTenant)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range apps {
		names = append(names, a.Name)
	}
	if got := strings.Join(names, ","); got != "demo,fourth,second,third" {
		t.Errorf("apps %s", got)
	}
	if other, err := p.ListApps(ctx, "nobody"); err != nil || len(other) != 0 || other == nil {
		t.Errorf("apps of an unknown tenant: %#v, %v", other, err)
	}
}

func TestCreateEndpoint(t *testing.T) {
	p := openProvider(t, t.TempDir())
	ctx := context.Background()
	if _, err := p.CreateApp(ctx, testTenant, "demo", nil, false); err != nil {
		t.Fatal(err)
	}
	if _, err := p.CreateApp(ctx, "other", "elsewhere", nil, false); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, tenant, app, token string
		want                     error
		wantMsg                  string
	}{
		{"generated token", testTenant, "demo", "", nil, ""},
		{"given token", testTenant, "demo", "my-token", nil, ""},
		{"token taken", testTenant, "demo", "my-token", ErrExists, `endpoint token already in use in application "demo"`},
		{"same token, other app", "other", "elsewhere", "my-token", nil, ""},
		{"unknown app", testTenant, "nope", "", ErrNotFound, `application "nope" not found in tenant "kaa"`},
		{"app of another tenant", testTenant, "elsewhere", "", ErrNotFound, `application "elsewhere" not found in tenant "kaa"`},
		{"slash in token", testTenant, "demo", "a/b", ErrInvalid, "endpoint token must"},
		{"space in token", testTenant, "demo", "a b", ErrInvalid, "endpoint token must"},
		{"wildcard in token", testTenant, "demo", "a+", ErrInvalid, "endpoint token must"},
		{"long token", testTenant, "demo", strings.Repeat("t", maxTokenLen+1), ErrInvalid, "endpoint token must"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep, token, err := p.CreateEndpoint(ctx, tt.tenant, tt.app, tt.token)
			if !checkErr(t, err, tt.want, tt.wantMsg) {
				return
			}
			if tt.token == "" && len(token) != 43 {
				t.Errorf("generated token %q is not 32 bytes base64url", token)
			}
			if tt.token != "" && token != tt.token {
				t.Errorf("token %q, want %q", token, tt.token)
			}
			if ep.Status != StatusInactive || ep.App != tt.app || ep.Tenant != tt.tenant || ep.ID == "" || ep.TokenID == "" || seen[ep.ID] || seen[ep.TokenID] {
				t.Errorf("endpoint %+v", ep)
			}
			seen[ep.ID], seen[ep.TokenID] = true, true
		})
	}
	eps, err := p.ListEndpoints(ctx, testTenant, "demo")
	if err != nil || len(eps) != 2 {
		t.Fatalf("endpoints %+v, %v", eps, err)
	}
	if _, err := p.ListEndpoints(ctx, "other", "demo"); !errors.Is(err, ErrNotFound) {
		t.Errorf("endpoints of another tenant's app: %v", err)
	}
	named, _, err := p.CreateEndpointWith(ctx, testTenant, "demo", EndpointSpec{Name: "sensor 1"})
	if err != nil || named.Name != "sensor 1" {
		t.Errorf("named endpoint %+v, %v", named, err)
	}
}

// TestSecretsNotKept checks that neither the store nor the log (at debug
// level) holds a token or password in clear.
func TestSecretsNotKept(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	p := startProvider(t, Options{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ctx := context.Background()
	_, token := demoEndpoint(t, p, true)
	const password, wrong, autoToken = "clear-text-password", "wrong-password", "auto-registered-token"
	if _, err := p.CreateBasic(ctx, testTenant, "user", password); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{token, autoToken} {
		if r := p.resolveToken("demo", tok); r.status != 200 {
			t.Fatalf("token: %d", r.status)
		}
	}
	for _, pw := range []string{password, wrong} {
		if _, _, err := p.authenticateBasic(testTenant, "user", pw); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	data := readStore(t, dir)
	for _, secret := range []string{token, autoToken, password} {
		if strings.Contains(data, secret) {
			t.Errorf("store contains the secret %q in clear", secret)
		}
	}
	for _, secret := range []string{token, autoToken, password, wrong} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log contains the secret %q:\n%s", secret, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "endpoint auto-registered") {
		t.Errorf("log misses the auto-registration:\n%s", logs.String())
	}
}

func TestSetEndpointStatus(t *testing.T) {
	p := openProvider(t, t.TempDir())
	ctx := context.Background()
	ep, _ := demoEndpoint(t, p, false)
	steps := []struct {
		name   string
		tenant string
		app    string
		id     string
		status Status
		want   error
		after  Status
	}{
		{"inactive is not a target", testTenant, "demo", ep.ID, StatusInactive, ErrInvalid, StatusInactive},
		{"unknown status", testTenant, "demo", ep.ID, "paused", ErrInvalid, StatusInactive},
		{"unknown endpoint", testTenant, "demo", "nope", StatusSuspended, ErrNotFound, StatusInactive},
		{"unknown app", testTenant, "nope", ep.ID, StatusSuspended, ErrNotFound, StatusInactive},
		{"wrong tenant", "other", "demo", ep.ID, StatusSuspended, ErrNotFound, StatusInactive},
		{"suspend", testTenant, "demo", ep.ID, StatusSuspended, nil, StatusSuspended},
		{"activate (any case)", testTenant, "demo", ep.ID, "Active", nil, StatusActive},
		{"revoke", testTenant, "demo", ep.ID, StatusRevoked, nil, StatusRevoked},
		{"revoke again", testTenant, "demo", ep.ID, StatusRevoked, nil, StatusRevoked},
		{"revocation is final", testTenant, "demo", ep.ID, StatusActive, ErrInvalid, StatusRevoked},
		{"no suspension after revocation", testTenant, "demo", ep.ID, StatusSuspended, ErrInvalid, StatusRevoked},
	}
	for _, s := range steps {
		err := p.SetEndpointStatus(ctx, s.tenant, s.app, s.id, s.status)
		if !errors.Is(err, s.want) || (err == nil) != (s.want == nil) {
			t.Fatalf("%s: error %v, want %v", s.name, err, s.want)
		}
		if got := endpointStatus(t, p, "demo", ep.ID); got != s.after {
			t.Fatalf("%s: status %s, want %s", s.name, got, s.after)
		}
	}
}

func readStore(t testing.TB, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, DBFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
