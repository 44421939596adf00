package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
	"github.com/kaactl/kaactl/pkg/server/bcx"
	"github.com/kaactl/kaactl/pkg/server/kpc"
	"github.com/kaactl/kaactl/pkg/server/provider"
)

func execute(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd(output.New(strings.NewReader(""), &out, &errb))
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

func TestVersion(t *testing.T) {
	out, _, err := execute(t, "version")
	if err != nil || !strings.HasPrefix(out, "kaactl ") {
		t.Fatalf("version: %q, %v", out, err)
	}
}

func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		out, _, err := execute(t, "completion", sh)
		if err != nil || !strings.Contains(out, "kaactl") {
			t.Errorf("completion %s: %v (%d bytes)", sh, err, len(out))
		}
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"version"}, 0},
		{[]string{"serve", "kpc", "--no-such-flag"}, 2},
		{[]string{"serve", "kpc", "--instance", "a.b", "--mqtt-addr", "127.0.0.1:0", "--http-addr", "", "--rest-addr", ""}, 2},
		{[]string{"serve", "kpc", "--log-level", "loud"}, 2},
		{[]string{"serve", "kpc", "--config", "/does/not/exist.yaml"}, 1},
	}
	for _, tt := range tests {
		if got := run(tt.args); got != tt.code {
			t.Errorf("kaactl %s: exit %d, want %d", strings.Join(tt.args, " "), got, tt.code)
		}
	}
}

func TestServeKPCFlagsAndEnv(t *testing.T) {
	t.Setenv("KAA_NATS", "nats://from-env:4222")
	t.Setenv("KAA_MQTT_ADDR", ":1999")
	t.Setenv("KAA_REQUEST_TIMEOUT", "7s")
	var got *serveKPCOptions
	cmd := newServeKPCCmd(output.New(nil, io.Discard, io.Discard), &cli.LogFlags{Level: "info", Format: "text"},
		func(_ context.Context, o *serveKPCOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--mqtt-addr", ":2000"})
	cmd.PersistentPreRunE = newRootCmd(output.New(nil, nil, nil)).PersistentPreRunE
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.NATS.URL != "nats://from-env:4222" || got.MQTTAddr != ":2000" || got.RequestTimeout != 7*time.Second ||
		got.Instance != "kpc" || got.ECAPProvider != "cm" || got.HTTPAddr != ":8080" || got.RESTAddr != ":8008" {
		t.Errorf("options %+v", got.Options)
	}
}

// upPlatform is what the command tests read of a running `kaactl up`.
type upPlatform struct {
	DataDir      string
	NATSURL      string
	KPC          *kpc.Server
	BCX          *bcx.Server
	Provider     *provider.Provider
	AdminToken   string
	AdminTokenAt string
	Blobs        string
}

// startUp runs `kaactl up`'s run function in-process on free ports, with
// --auto-register unless mutate says otherwise, and returns it once ready
// with the banner it printed; stop is Ctrl-C.
func startUp(t *testing.T, dataDir string, mutate ...func(*upOptions)) (*upPlatform, string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *platform.Platform, 1)
	var out bytes.Buffer
	o := &upOptions{Options: platform.DefaultOptions(), ready: func(p *platform.Platform) { ready <- p }}
	o.DataDir, o.AutoRegister, o.DrainTimeout = dataDir, true, 5*time.Second
	const free = platformtest.Loopback
	o.NATSAddr, o.BCX.RESTAddr, o.Provider.RESTAddr, o.HTTPSAddr = free, free, free, free
	o.KPC.MQTTAddr, o.KPC.MQTTSAddr, o.KPC.WSAddr, o.KPC.HTTPAddr, o.KPC.RESTAddr = free, free, free, free, free
	for _, m := range mutate {
		m(o)
	}
	done := make(chan error, 1)
	go func() { done <- runUp(ctx, output.New(nil, &out, io.Discard), o) }()
	var p *platform.Platform
	select {
	case p = <-ready:
	case err := <-done:
		t.Fatalf("up exited: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("up not ready in 10s")
	}
	stop := func() {
		cancel()
		if err := testenv.Receive(t, done, 10*time.Second, "up did not stop within 10s of Ctrl-C"); err != nil {
			t.Errorf("up returned %v", err)
		}
	}
	testenv.Eventually(t, 5*time.Second, "kpc ready", p.KPC().Ready)
	return &upPlatform{DataDir: p.DataDir(), NATSURL: p.NATSURL(), KPC: p.KPC(), BCX: p.BCX(), Provider: p.Provider(),
		AdminToken: p.AdminToken(), AdminTokenAt: p.AdminTokenPath(), Blobs: p.Blobs()}, out.String(), stop
}

// TestUp runs the whole platform in-process and drives it only through its
// network interfaces: echo over MQTT and HTTP, a BCX token over MQTT, an
// upload, the listing with the admin token, and the blob still there after a
// restart on the same data dir.
func TestUp(t *testing.T) {
	dir := t.TempDir()
	p, banner, stop := startUp(t, dir)
	if !strings.Contains(banner, "mosquitto_rr") || !strings.Contains(banner, p.KPC.MQTTAddr()) || !strings.Contains(banner, p.AdminTokenAt) {
		t.Errorf("banner lacks the try-it commands, the MQTT address or the admin token file:\n%s", banner)
	}
	if st, err := os.Stat(p.AdminTokenAt); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("admin token file: %v %v", st, err)
	}

	c := testenv.MQTT(t, p.KPC.MQTTAddr(), "device")
	c.Publish(t, "kp1/demo-v1/echo/my-token/ping/1", 1, "hello")
	if m := c.Expect(t, "kp1/demo-v1/echo/my-token/ping/1/status", 5*time.Second); m.Payload != "hello" {
		t.Errorf("mqtt reply %q", m.Payload)
	}
	resp, body := testenv.HTTP(t, nil, "POST", "http://"+p.KPC.HTTPAddr()+"/kp1/demo-v1/echo/my-token/ping", strings.NewReader("over http"), "Content-Type", "text/plain")
	if resp.StatusCode != 200 || body != "over http" {
		t.Errorf("http reply %d %q", resp.StatusCode, body)
	}

	// MQTT/TLS with the certificate devices fetch from /api/v1/cert, and WebSocket.
	_, certPEM := testenv.Get(t, "http://"+p.KPC.RESTAddr()+"/api/v1/cert")
	trust := testenv.TrustPEM(t, []byte(certPEM))
	trust.ServerName = "localhost"
	for _, url := range []string{"ssl://" + p.KPC.MQTTSAddr(), "ws://" + p.KPC.WSAddr() + "/ws"} {
		d := testenv.MQTTURL(t, url, "device-"+url[:3], trust)
		d.Publish(t, "kp1/demo-v1/echo/my-token/ping/2", 1, url)
		if m := d.Expect(t, "kp1/demo-v1/echo/my-token/ping/2/status", 5*time.Second); m.Payload != url {
			t.Errorf("%s: reply %q", url, m.Payload)
		}
	}

	c.Publish(t, "kp1/demo-v1/bcx/my-token/token", 1, "")
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(c.Expect(t, "kp1/demo-v1/bcx/my-token/token/status", 5*time.Second).Payload), &tok); err != nil || tok.Token == "" {
		t.Fatalf("bcx token: %v", err)
	}
	if resp, body = testenv.HTTP(t, nil, "POST", "http://"+p.BCX.RESTAddr()+"/api/v1/binary-data?name=hello.txt", strings.NewReader("blob body"),
		"X-Auth-Token", tok.Token); resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	list := func(p *upPlatform) string {
		_, body := testenv.Get(t, "http://"+p.BCX.RESTAddr()+"/api/v1/applications/demo/binary-data", "Authorization", "Bearer "+p.AdminToken)
		return body
	}
	if l := list(p); !strings.Contains(l, `"name":"hello.txt"`) || !strings.Contains(l, `"totalElements":1`) {
		t.Fatalf("list: %s", l)
	}
	stop()

	p2, _, stop2 := startUp(t, dir)
	defer stop2()
	if p2.AdminToken != p.AdminToken {
		t.Error("admin token changed across restarts")
	}
	if l := list(p2); !strings.Contains(l, `"name":"hello.txt"`) {
		t.Fatalf("blob gone after restart: %s", l)
	}
}

// TestUpS3 switches kaactl up's blobs to S3 with the --s3-* settings.
func TestUpS3(t *testing.T) {
	srv := testenv.S3(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	p, banner, stop := startUp(t, t.TempDir(), func(o *upOptions) {
		s3 := &o.BCX.Blobs.S3
		s3.Endpoint, s3.Bucket, s3.Region, s3.PathStyle = srv.Endpoint, "up-blobs", srv.Region, true
	})
	defer stop()
	if p.Blobs != "s3" || !strings.Contains(banner, "blobs: s3") {
		t.Fatalf("blobs backend %q", p.Blobs)
	}
	resp, body := testenv.HTTP(t, nil, "POST", "http://"+p.KPC.HTTPAddr()+"/kp1/demo-v1/bcx/my-token/token", nil)
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(body), &tok); resp.StatusCode != 200 || err != nil {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	if resp, body = testenv.HTTP(t, nil, "POST", "http://"+p.BCX.RESTAddr()+"/api/v1/binary-data?name=s3.txt", strings.NewReader("in s3"),
		"X-Auth-Token", tok.Token); resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	// The object is in the bucket directory of the S3 server.
	found := false
	_ = filepath.WalkDir(filepath.Join(srv.Dir(), "up-blobs"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			found = true
		}
		return nil
	})
	if !found {
		t.Fatal("no object in the S3 bucket")
	}
}

// TestEveryCommandHasExamples: --help of every command shows how to call it
// (cobra's completion <shell> commands explain it at length instead).
func TestEveryCommandHasExamples(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Example == "" && !c.Hidden && c.Name() != "help" && !(c.HasParent() && c.Parent().Name() == "completion") {
			t.Errorf("%s has no examples", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(output.New(nil, nil, nil)))
}

// TestRootVersionFlag: kaactl --version prints what kaactl version does.
func TestRootVersionFlag(t *testing.T) {
	flag, _, err := execute(t, "--version")
	cmd, _, err2 := execute(t, "version")
	if err != nil || err2 != nil || flag != cmd || !strings.HasPrefix(flag, "kaactl ") {
		t.Errorf("--version %q %v, version %q %v", flag, err, cmd, err2)
	}
}

// TestCompletions: the flags with a few values offer them.
func TestCompletions(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"sim", "--scenario", ""}, "kp=80,upload=20"},
		{[]string{"sim", "-o", ""}, "json"},
		{[]string{"endpoints", "ls", "-o", ""}, "yaml"},
		{[]string{"apps", "ls", "--output", ""}, "table"},
	} {
		out, _, err := execute(t, append([]string{cobra.ShellCompRequestCmd}, tt.args...)...)
		if err != nil || !strings.Contains(out, tt.want+"\n") {
			t.Errorf("complete %v: %v %q, want %q", tt.args, err, out, tt.want)
		}
	}
}
