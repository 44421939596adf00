package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
)

// upProcess is `kaactl up` running as a child process on free ports.
type upProcess struct {
	cmd                                  *exec.Cmd
	out                                  *testenv.Buffer // the child's output
	mqtt, http, rest, bcx, provider, nat string
	admin                                string
	exited                               <-chan struct{} // closed when the process has exited (and been waited for)
}

// buildKaactl builds the binary for a test that runs it; under -short it
// skips the test instead.
func buildKaactl(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "kaactl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startUpProcess(t *testing.T, bin, dataDir string) *upProcess {
	t.Helper()
	// freePort's ports can be taken by another process before kaactl binds
	// them (tests of other packages run at the same time): try again then.
	for attempt := 1; ; attempt++ {
		p, exited := tryStartUpProcess(t, bin, dataDir)
		if p != nil {
			return p
		}
		if attempt == 3 || !strings.Contains(exited, "address already in use") {
			t.Fatalf("kaactl up exited before it was healthy:\n%s", exited)
		}
	}
}

// tryStartUpProcess starts kaactl up on free ports and waits until it is
// healthy; if it exits first, it returns its output instead.
func tryStartUpProcess(t *testing.T, bin, dataDir string) (*upProcess, string) {
	t.Helper()
	p := &upProcess{out: &testenv.Buffer{}, mqtt: testenv.FreeAddr(t), http: testenv.FreeAddr(t), rest: testenv.FreeAddr(t), bcx: testenv.FreeAddr(t), provider: testenv.FreeAddr(t), nat: testenv.FreeAddr(t)}
	p.cmd = exec.Command(bin, "up", "--data-dir", dataDir, "--nats-addr", p.nat, "--mqtt-addr", p.mqtt, "--http-addr", p.http,
		"--rest-addr", p.rest, "--bcx-addr", p.bcx, "--mqtts-addr", testenv.FreeAddr(t), "--ws-addr", testenv.FreeAddr(t), "--https-addr", testenv.FreeAddr(t), "--provider-addr", p.provider, "--log-level", "warn")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); <-exited })
	healthy := func() bool {
		for _, addr := range []string{p.rest, p.bcx} {
			resp, err := http.Get("http://" + addr + "/health")
			if err != nil {
				return false
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return false
			}
		}
		return true
	}
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !healthy() {
		select {
		case <-exited:
			return nil, p.out.String()
		case <-deadline.C:
			t.Fatalf("kaactl up not healthy within 10s:\n%s", p.out.String())
		case <-tick.C:
		}
	}
	p.exited = exited
	b, err := os.ReadFile(filepath.Join(dataDir, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	p.admin = strings.TrimSpace(string(b))
	return p, ""
}

// stop sends Ctrl-C and expects a clean exit.
func (p *upProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	testenv.Receive(t, p.exited, 20*time.Second, "kaactl up did not exit within 20s of SIGINT")
	if st := p.cmd.ProcessState; !st.Success() {
		t.Fatalf("kaactl up exited with %v\n%s", st, p.out.String())
	}
}

// TestUpProcess runs the built binary and drives it only through its
// network interfaces, the way the README's walkthrough does; then restarts
// it on the same data dir and revokes the endpoint.
func TestUpProcess(t *testing.T) {
	bin := buildKaactl(t)
	dir := t.TempDir()
	p := startUpProcess(t, bin, dir)
	if !strings.Contains(p.out.String(), "mosquitto_rr") {
		t.Errorf("banner:\n%s", p.out.String())
	}

	// The CLI, as the README uses it: endpoints create prints the token once.
	cli := func(args ...string) string {
		t.Helper()
		args = append(args, "--data-dir", dir, "--provider-url", "http://"+p.provider, "--bcx-url", "http://"+p.bcx)
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("kaactl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	var ep struct {
		EndpointID string `json:"endpointId"`
		Token      string `json:"token"`
	}
	if out := cli("endpoints", "create", "--app", "demo", "-o", "json"); json.Unmarshal([]byte(out), &ep) != nil || ep.Token == "" || ep.EndpointID == "" {
		t.Fatalf("endpoints create: %s", out)
	}
	dev := testenv.MQTT(t, p.mqtt, "device")
	topic := "kp1/demo-v1/echo/" + ep.Token + "/ping/1"
	dev.Publish(t, topic, 1, "hello")
	if m := dev.Expect(t, topic+"/status", 5*time.Second); m.Payload != "hello" {
		t.Fatalf("echo: %q", m.Payload)
	}
	resp, body := testenv.HTTP(t, nil, "POST", "http://"+p.http+"/kp1/demo-v1/bcx/"+ep.Token+"/token", nil)
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(body), &tok); resp.StatusCode != 200 || err != nil {
		t.Fatalf("bcx token: %d %s", resp.StatusCode, body)
	}
	if resp, body = testenv.HTTP(t, nil, "POST", "http://"+p.bcx+"/api/v1/binary-data?name=notes.txt", strings.NewReader("some notes"), "X-Auth-Token", tok.Token); resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	if out := cli("blobs", "ls", "--app", "demo"); !strings.Contains(out, "notes.txt") || !strings.Contains(out, ep.EndpointID) {
		t.Fatalf("blobs ls:\n%s", out)
	}

	// The fleet command of the banner runs as printed (shorter): it
	// provisions its tokens and every request is answered.
	var simArgs []string
	for _, line := range strings.Split(p.out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "kaactl" && f[1] == "sim" {
			simArgs = f[1:]
		}
	}
	if simArgs == nil {
		t.Fatalf("no kaactl sim line in the banner:\n%s", p.out.String())
	}
	for i, a := range simArgs {
		switch a {
		case "500":
			simArgs[i] = "20"
		case "10s":
			simArgs[i] = "1s"
		}
	}
	sim := exec.Command(bin, append(simArgs, "--no-dashboard", "-o", "json", "--fail-on", "errors>0")...)
	var simErr strings.Builder
	sim.Stderr = &simErr
	if out, err := sim.Output(); err != nil || !strings.Contains(simErr.String(), "provisioned 20 endpoints") || !strings.Contains(string(out), `"connected":20`) {
		t.Fatalf("banner's kaactl sim %v: %v\n%s\n%s", simArgs, err, out, simErr.String())
	}
	p.stop(t)

	// Restart: the token still works, the blob is still listed.
	p = startUpProcess(t, bin, dir)
	if out := cli("blobs", "ls", "--app", "demo"); !strings.Contains(out, "notes.txt") {
		t.Fatalf("after restart, blobs ls:\n%s", out)
	}
	dev = testenv.MQTT(t, p.mqtt, "device-2")
	dev.Publish(t, topic, 1, "again")
	dev.Expect(t, topic+"/status", 5*time.Second)

	// Revoking the endpoint closes its live session and refuses the token.
	statusURL := fmt.Sprintf("http://%s/api/v1/tenants/kaa/applications/demo/endpoints/%s/status", p.provider, ep.EndpointID)
	if resp, body = testenv.HTTP(t, nil, "POST", statusURL, strings.NewReader(`{"status":"revoked"}`), "Authorization", "Bearer "+p.admin); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	testenv.Receive(t, dev.Lost, 2*time.Second, "session of a revoked endpoint still open")
	other := testenv.MQTT(t, p.mqtt, "device-3")
	other.Publish(t, "kp1/demo-v1/echo/"+ep.Token+"/ping/2", 1, "x")
	if m := other.Expect(t, "kp1/demo-v1/echo/"+ep.Token+"/ping/2/error", 5*time.Second); !strings.Contains(m.Payload, `"statusCode":401`) {
		t.Fatalf("revoked token: %s", m.Payload)
	}
	p.stop(t)
}
