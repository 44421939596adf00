package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
)

func execute(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd(ioStreams{in: strings.NewReader(""), out: &out, err: &errb})
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
	cmd := newServeKPCCmd(ioStreams{out: io.Discard, err: io.Discard}, &globalOptions{logLevel: "info", logFormat: "text"},
		func(_ context.Context, o *serveKPCOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--mqtt-addr", ":2000"})
	cmd.PersistentPreRunE = newRootCmd(ioStreams{}).PersistentPreRunE
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.NATSURL != "nats://from-env:4222" || got.MQTTAddr != ":2000" || got.RequestTimeout != 7*time.Second ||
		got.Instance != "kpc" || got.ECAPProvider != "cm" || got.HTTPAddr != ":8080" || got.RESTAddr != ":8008" {
		t.Errorf("options %+v", got.Options)
	}
}

// TestUp runs the whole platform in-process and drives it only through its
// network interfaces.
func TestUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan *upPlatform, 1)
	var out bytes.Buffer
	o := &upOptions{natsAddr: "127.0.0.1:0", drainTimeout: 5 * time.Second, ready: func(p *upPlatform) { ready <- p }}
	o.kpc.MQTTAddr, o.kpc.HTTPAddr, o.kpc.RESTAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	o.kpc.Instance, o.kpc.ECAPProvider, o.kpc.RequestTimeout, o.kpc.MaxPayload = "kpc", "cm", 5*time.Second, 1<<20
	g := &globalOptions{logLevel: "warn", logFormat: "text"}
	log, _ := g.logger(io.Discard)
	o.kpc.Logger = log
	done := make(chan error, 1)
	go func() { done <- runUp(ctx, ioStreams{out: &out, err: io.Discard}, o) }()
	var p *upPlatform
	select {
	case p = <-ready:
	case err := <-done:
		t.Fatalf("up exited: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("up not ready in 10s")
	}
	if !strings.Contains(out.String(), "mosquitto_pub") || !strings.Contains(out.String(), p.KPC.MQTTAddr()) {
		t.Errorf("banner lacks the try-it commands or the MQTT address:\n%s", out.String())
	}
	testenv.Eventually(t, 5*time.Second, "kpc ready", p.KPC.Ready)

	c := testenv.MQTT(t, p.KPC.MQTTAddr(), "device")
	c.Publish(t, "kp1/demo-v1/echo/my-token/ping/1", 1, "hello")
	if m := c.Expect(t, "kp1/demo-v1/echo/my-token/ping/1/status", 5*time.Second); m.Payload != "hello" {
		t.Errorf("mqtt reply %q", m.Payload)
	}
	resp, err := http.Post("http://"+p.KPC.HTTPAddr()+"/kp1/demo-v1/echo/my-token/ping", "text/plain", strings.NewReader("over http"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "over http" {
		t.Errorf("http reply %d %q", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("up returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("up did not stop within 10s of Ctrl-C")
	}
}
