package platform_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
)

// kpHTTP sends one 1/KP request over HTTP and returns the status.
func kpHTTP(t *testing.T, p *platform.Platform, path string) int {
	t.Helper()
	resp, _ := testenv.HTTP(t, nil, http.MethodPost, "http://"+p.KPC().HTTPAddr()+path, strings.NewReader("x"), "Content-Type", "text/plain")
	return resp.StatusCode
}

func banner(t *testing.T, p *platform.Platform) string {
	t.Helper()
	var b strings.Builder
	if err := p.WriteBanner(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func shutdown(t *testing.T, p *platform.Platform) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestAutoRegisterEveryStart: --auto-register means what it says on every
// start of a data dir, on or off, and the banner tells the truth.
func TestAutoRegisterEveryStart(t *testing.T) {
	for _, starts := range [][]bool{{false, true}, {true, false}} {
		dir := t.TempDir()
		for i, on := range starts {
			p := platformtest.Start(t, func(o *platform.Options) { o.DataDir, o.AutoRegister = dir, on })
			want, says := http.StatusUnauthorized, false
			if on {
				want, says = http.StatusOK, true
			}
			// A new token each time: an auto-registered one would be known later.
			if got := kpHTTP(t, p, "/kp1/demo-v1/echo/new-token-"+string(rune('a'+i))+"/ping"); got != want {
				t.Errorf("starts %v, start %d: unknown token answered %d, want %d", starts, i+1, got, want)
			}
			if p.AutoRegister() != on || strings.Contains(banner(t, p), "any endpoint token is accepted") != says {
				t.Errorf("starts %v, start %d: AutoRegister() %v, banner:\n%s", starts, i+1, p.AutoRegister(), banner(t, p))
			}
			shutdown(t, p)
		}
	}
}

// TestAppVersions: KPC in up knows the provider's application versions, as
// with a config file: others get 404, and a version created while up runs
// answers at once.
func TestAppVersions(t *testing.T) {
	p := platformtest.Start(t, func(o *platform.Options) { o.AutoRegister = true })
	for path, want := range map[string]int{
		"/kp1/demo-v1/echo/tok/ping":   http.StatusOK,
		"/kp1/demo-v2/echo/tok/ping":   http.StatusNotFound,
		"/kp1/demo/echo/tok/ping":      http.StatusNotFound,
		"/kp1/thermo-v1/echo/tok/ping": http.StatusNotFound,
	} {
		if got := kpHTTP(t, p, path); got != want {
			t.Errorf("%s: %d, want %d", path, got, want)
		}
	}
	c := &admin.ProviderClient{REST: admin.REST{BaseURL: "http://" + p.Provider().RESTAddr(), Token: p.AdminToken()}}
	if _, err := c.CreateApp(context.Background(), platform.DemoTenant, "thermo", nil, true); err != nil {
		t.Fatal(err)
	}
	if got := kpHTTP(t, p, "/kp1/thermo-v1/echo/tok/ping"); got != http.StatusOK {
		t.Errorf("a version created while up runs: %d, want 200", got)
	}
}

// TestConfigFileAppsKept: applications of --config keep their settings next
// to the provider's.
func TestConfigFileAppsKept(t *testing.T) {
	apps, err := kaaconfig.Parse([]byte("kaa:\n  applications:\n    demo:\n      versions:\n        demo-v1:\n          allowed-extension-instances: [bcx]\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := platformtest.Start(t, func(o *platform.Options) { o.AutoRegister, o.KPC.Apps = true, apps })
	if got := kpHTTP(t, p, "/kp1/demo-v1/echo/tok/ping"); got != http.StatusNotFound {
		t.Errorf("echo, which the file does not allow demo-v1: %d, want 404", got)
	}
	if got := kpHTTP(t, p, "/kp1/demo-v1/bcx/tok/token"); got != http.StatusOK {
		t.Errorf("bcx, which it does: %d, want 200", got)
	}
}

// TestNATSPortTaken: a taken NATS port fails Start with the bind error.
func TestNATSPortTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	o := platform.DefaultOptions()
	o.DataDir, o.NATSAddr = t.TempDir(), taken.Addr().String()
	p, err := platform.New(o)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "address already in use") || !strings.Contains(err.Error(), taken.Addr().String()) {
		t.Fatalf("Start with the NATS port taken: %v, want the bind error naming the address", err)
	}
}

// TestReset: Reset empties a data dir but for its keys, and refuses while
// the platform runs on it.
func TestReset(t *testing.T) {
	dir := t.TempDir()
	p := platformtest.Start(t, func(o *platform.Options) { o.DataDir = dir })
	ctx := context.Background()
	if _, _, err := p.Provider().CreateEndpoint(ctx, platform.DemoTenant, platform.DemoApp, "kept-until-reset"); err != nil {
		t.Fatal(err)
	}
	blob := filepath.Join(dir, "blobs", "x")
	if err := os.WriteFile(blob, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := platform.Reset(dir); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("Reset while running: %v, want in use", err)
	}
	token := p.AdminToken()
	shutdown(t, p)
	if err := platform.Reset(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(blob); !os.IsNotExist(err) {
		t.Errorf("blob still there: %v", err)
	}
	p2 := platformtest.Start(t, func(o *platform.Options) { o.DataDir = dir })
	eps, err := p2.Provider().ListEndpoints(ctx, platform.DemoTenant, platform.DemoApp)
	if err != nil || len(eps) != 0 || p2.AdminToken() != token {
		t.Errorf("after reset: endpoints %v %v, admin token kept %v", eps, err, p2.AdminToken() == token)
	}
}
