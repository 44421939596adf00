package platform_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
)

func TestNewReportsEveryProblem(t *testing.T) {
	o := platform.DefaultOptions()
	o.DataDir, o.NATSAddr = "", "no-port"
	o.KPC.Instance, o.BCX.Instance, o.Provider.CAPInstance = "k.pc", "b cx", "c.cm"
	_, err := platform.New(o)
	if err == nil {
		t.Fatal("New accepted bad options")
	}
	for _, want := range []string{"data dir is empty", `nats-addr "no-port"`, `instance "k.pc"`, `instance "b cx"`, `cap-instance "c.cm"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v does not mention %q", err, want)
		}
	}
}

func TestBindFlags(t *testing.T) {
	o := platform.DefaultOptions()
	fs := pflag.NewFlagSet("up", pflag.ContinueOnError)
	o.BindFlags(fs)
	for name, def := range map[string]string{"mqtts-addr": ":8883", "ws-addr": ":8081", "mqtt-addr": ":1883", "bcx-addr": ":8090",
		"provider-addr": "127.0.0.1:8070", "nats-addr": "127.0.0.1:4222", "s3-bucket": "", "s3-region": "us-east-1", "bcx-token-ttl": "1h0m0s",
		"https-addr": ":8443", "tls-hosts": "[]"} {
		if f := fs.Lookup(name); f == nil || f.DefValue != def {
			t.Errorf("--%s: %+v, want default %q", name, f, def)
		}
	}
	for _, absent := range []string{"nats", "backend", "tls-cert", "token-key-file", "instance", "path-prefix"} {
		if fs.Lookup(absent) != nil {
			t.Errorf("up has --%s, which the platform sets itself", absent)
		}
	}
	if err := fs.Parse([]string{"--rest-addr", ":1", "--bcx-addr", ":2", "--provider-addr", ":3", "--s3-bucket", "b", "--bcx-token-ttl", "1m", "--pprof"}); err != nil {
		t.Fatal(err)
	}
	if !o.KPC.Pprof {
		t.Error("--pprof did not turn KPC's profiles on")
	}
	if o.KPC.RESTAddr != ":1" || o.BCX.RESTAddr != ":2" || o.Provider.RESTAddr != ":3" || o.BCX.Blobs.S3.Bucket != "b" || o.BCX.TokenTTL != time.Minute {
		t.Errorf("flags wrote %q %q %q %q %v", o.KPC.RESTAddr, o.BCX.RESTAddr, o.Provider.RESTAddr, o.BCX.Blobs.S3.Bucket, o.BCX.TokenTTL)
	}
}

func healthy(t *testing.T, addr string) bool {
	t.Helper()
	resp, _ := testenv.Get(t, "http://"+addr+"/health")
	return resp.StatusCode == 200
}

// TestStartAndRestart: a first start creates the admin token (0600) and
// the demo application; a restart on the same data dir keeps both.
func TestStartAndRestart(t *testing.T) {
	dir := t.TempDir()
	inDir := func(o *platform.Options) { o.DataDir = dir }
	p := platformtest.Start(t, inDir)
	if st, err := os.Stat(p.AdminTokenPath()); err != nil || st.Mode().Perm() != 0o600 || p.AdminToken() == "" {
		t.Fatalf("admin token file: %v %v", st, err)
	}
	apps, err := p.Provider().ListApps(context.Background(), platform.DemoTenant)
	if err != nil || len(apps) != 1 || apps[0].Name != platform.DemoApp || apps[0].Versions[0] != platform.DemoAppVersion {
		t.Fatalf("apps %+v, %v", apps, err)
	}
	if p.Blobs() != "disk" || !healthy(t, p.BCX().RESTAddr()) || !healthy(t, p.KPC().RESTAddr()) || !healthy(t, p.Provider().RESTAddr()) {
		t.Errorf("blobs %s, or a service unhealthy", p.Blobs())
	}
	var banner strings.Builder
	if err := p.WriteBanner(&banner); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mosquitto_rr", p.KPC().MQTTAddr(), p.AdminTokenPath(), "(blobs: disk)", "kaactl sim --endpoints 500"} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, banner.String())
		}
	}
	if err := p.Start(context.Background()); err == nil {
		t.Error("a second Start succeeded")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 2 {
		if err := p.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	}
	p2 := platformtest.Start(t, inDir)
	if p2.AdminToken() != p.AdminToken() {
		t.Error("admin token changed across restarts")
	}
	if apps, err := p2.Provider().ListApps(context.Background(), platform.DemoTenant); err != nil || len(apps) != 1 {
		t.Errorf("apps after restart %+v, %v", apps, err)
	}
}

// TestFailedStartReleasesEverything: when a service cannot start, what
// started is shut down, so that the same data dir and NATS port serve the
// next try.
func TestFailedStartReleasesEverything(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	natsAddr := testenv.FreeAddr(t)

	o := platform.DefaultOptions()
	o.DataDir, o.NATSAddr = t.TempDir(), natsAddr
	const lo = platformtest.Loopback
	o.KPC.MQTTAddr, o.KPC.MQTTSAddr, o.KPC.WSAddr, o.KPC.HTTPAddr, o.KPC.RESTAddr, o.Provider.RESTAddr = lo, lo, lo, lo, lo, lo
	o.BCX.RESTAddr = taken.Addr().String()
	p, err := platform.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "bcx listen") {
		t.Fatalf("Start with BCX's port taken: %v", err)
	}
	retry := platformtest.Start(t, func(r *platform.Options) { r.DataDir, r.NATSAddr = o.DataDir, natsAddr })
	if retry.NATSAddr() != natsAddr {
		t.Errorf("NATS on %s, want %s", retry.NATSAddr(), natsAddr)
	}
}

// TestNATSNeedsTheToken: the embedded NATS refuses a client without the
// token kept 0600 in the data dir; with it (NATSURL) one connects; the
// banner says where it is without showing it.
func TestNATSNeedsTheToken(t *testing.T) {
	p := platformtest.Start(t)
	st, err := os.Stat(p.NATSTokenPath())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("nats token file: %v %v", st, err)
	}
	token, err := os.ReadFile(p.NATSTokenPath())
	if err != nil || len(strings.TrimSpace(string(token))) < 32 {
		t.Fatalf("nats token %q: %v", token, err)
	}
	if nc, err := nats.Connect("nats://" + p.NATSAddr()); err == nil {
		nc.Close()
		t.Fatal("connected to the embedded NATS without the token")
	} else if !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("without the token: %v", err)
	}
	nc, err := nats.Connect(p.NATSURL())
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	var banner strings.Builder
	if err := p.WriteBanner(&banner); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(banner.String(), p.NATSTokenPath()) || strings.Contains(banner.String(), strings.TrimSpace(string(token))) {
		t.Errorf("banner shows the token or not where it is:\n%s", banner.String())
	}
}
