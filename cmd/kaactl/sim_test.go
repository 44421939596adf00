package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/server/provider"
	"github.com/kaactl/kaactl/pkg/sim"
)

// simJSON runs kaactl sim with -o json and decodes the report.
func simJSON(t *testing.T, args ...string) (map[string]any, string, error) {
	t.Helper()
	out, stderr, err := execute(t, append([]string{"sim", "-o", "json", "--no-dashboard"}, args...)...)
	if err != nil && !errors.Is(err, sim.ErrRunFailed) {
		return nil, stderr, err
	}
	var rep map[string]any
	if jerr := json.Unmarshal([]byte(out), &rep); jerr != nil {
		t.Fatalf("report is not JSON: %v\n%s\nstderr: %s", jerr, out, stderr)
	}
	return rep, stderr, err
}

func num(rep map[string]any, key string) float64 {
	v, _ := rep[key].(float64)
	return v
}

func errKinds(rep map[string]any) map[string]float64 {
	out := map[string]float64{}
	m, _ := rep["errors"].(map[string]any)
	for k, v := range m {
		out[k], _ = v.(float64)
	}
	return out
}

// TestSim runs the simulator against kaactl up and reads its JSON report.
func TestSim(t *testing.T) {
	p, _, stop := startUp(t, t.TempDir())
	defer stop()
	url := "tcp://" + p.KPC.MQTTAddr()
	rep, _, err := simJSON(t, "--url", url, "--provision", "never", "--app", "demo", "--endpoints", "5", "--requests", "200", "--duration", "0", "--fail-on", "errors>0")
	if err != nil {
		t.Fatalf("sim: %v", err)
	}
	for _, key := range []string{"requests_per_sec", "p50_ms", "p99_ms", "errors", "connect_p99_ms", "cpu_per_request_us"} {
		if _, ok := rep[key]; !ok {
			t.Errorf("report lacks %q: %v", key, rep)
		}
	}
	if num(rep, "requests") != 200 || num(rep, "ok") != 200 {
		t.Errorf("requests %v ok %v, want 200", rep["requests"], rep["ok"])
	}
	// -o yaml: the same keys as JSON, for people who read it.
	if out, _, err := execute(t, "sim", "--url", url, "--provision", "never", "--app", "demo", "--endpoints", "2", "--requests", "4", "--duration", "0", "-o", "yaml"); err != nil ||
		!strings.Contains(out, "\nrequests: 4\n") || !strings.Contains(out, "p99_ms: ") {
		t.Errorf("-o yaml: %v\n%s", err, out)
	}
	// Requests to an extension nobody serves fail (503 at once); --fail-on turns that into a failed run.
	_, _, err = execute(t, "sim", "--url", url, "--provision", "never", "--app", "demo", "--endpoints", "2", "--requests", "4", "--duration", "0", "--ext", "nope",
		"--fail-on", "errors>0")
	if !errors.Is(err, sim.ErrRunFailed) || err.Error() != "run failed: errors 4 > 0" {
		t.Fatalf("fail-on: %v", err)
	}
	// Flag mistakes (the full table is pkg/sim's) are usage errors: exit 2.
	for _, bad := range [][]string{{"--fail-on", "p99>>1"}, {"--scenario", "kp=1,dance=2"}, {"-o", "xml"}, {"--endpoints", "0"}} {
		if _, _, err := execute(t, append([]string{"sim"}, bad...)...); err == nil || !cli.IsUsage(err) {
			t.Errorf("sim %v: err %v, want a usage error", bad, err)
		}
	}
}

// adminProvider is a client of up's provider API with its admin token.
func adminProvider(p *upPlatform) *admin.ProviderClient {
	return &admin.ProviderClient{REST: admin.REST{BaseURL: "http://" + p.Provider.RESTAddr(), Token: p.AdminToken}}
}

// listed lists tenant kaa's credentials of one kind and returns one field of
// each, sorted.
func listed[C any](t *testing.T, list func(context.Context, string) ([]C, error), field func(C) string) []string {
	t.Helper()
	creds, err := list(context.Background(), "kaa")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range creds {
		out = append(out, field(c))
	}
	slices.Sort(out)
	return out
}

// TestSimTransports runs the kp scenario over every transport kaactl up serves.
func TestSimTransports(t *testing.T) {
	p, _, stop := startUp(t, t.TempDir())
	defer stop()
	rest := "http://" + p.KPC.RESTAddr()
	tests := []struct {
		name, transport string
		args            []string
	}{
		{"mqtt", "mqtt", []string{"--url", "tcp://" + p.KPC.MQTTAddr()}},
		{"mqtts cert from KPC", "mqtts", []string{"--url", "mqtts://" + p.KPC.MQTTSAddr(), "--kpc-rest-url", rest}},
		{"mqtts --ca", "mqtts", []string{"--url", "ssl://" + p.KPC.MQTTSAddr(), "--ca", filepath.Join(p.DataDir, "kpc-tls.crt")}},
		{"ws", "ws", []string{"--url", "ws://" + p.KPC.WSAddr() + "/ws"}},
		{"http", "http", []string{"--url", "http://" + p.KPC.HTTPAddr()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Half the endpoints upload: their tokens come over the same transport.
			rep, stderr, err := simJSON(t, append(tt.args, "--provision", "never", "--app", "demo", "--endpoints", "4", "--requests", "80", "--duration", "0",
				"--payload", `{"n":{{seq}},"ep":{{endpoint}}}`, "--scenario", "kp=1,upload=1", "--blob-size", "2KiB", "--bcx-url", "http://"+p.BCX.RESTAddr())...)
			if err != nil {
				t.Fatalf("sim: %v\n%s", err, stderr)
			}
			if rep["transport"] != tt.transport {
				t.Errorf("transport %v, want %s", rep["transport"], tt.transport)
			}
			if num(rep, "ok")+num(rep, "uploads") != 80 || num(rep, "ok") == 0 || num(rep, "uploads") == 0 ||
				num(rep, "connected") != 4 || num(rep, "error_count") != 0 {
				t.Errorf("ok %v uploads %v connected %v errors %v, want 80 requests and uploads in all, 4 connected, no errors",
					rep["ok"], rep["uploads"], rep["connected"], rep["errors"])
			}
		})
	}
	// A TLS URL without a CA that KPC does not serve is a clear error, not a hang.
	_, _, err := execute(t, "sim", "--url", "mqtts://"+p.KPC.MQTTSAddr(), "--kpc-rest-url", "http://127.0.0.1:1", "--provision", "never", "--app", "demo")
	if err == nil || !strings.Contains(err.Error(), "certificate could not be fetched") {
		t.Errorf("mqtts without a cert: %v", err)
	}
}

// TestSimUpload: endpoints fetch BCX tokens over 1/KP and upload; BCX lists
// every upload. Tokens live 1s here, so endpoints must fetch them again.
func TestSimUpload(t *testing.T) {
	dir := t.TempDir()
	p, _, stop := startUp(t, dir, func(o *upOptions) { o.BCX.TokenTTL = time.Second })
	defer stop()
	rep, stderr, err := simJSON(t, "--url", "tcp://"+p.KPC.MQTTAddr(), "--bcx-url", "http://"+p.BCX.RESTAddr(), "--provision", "never", "--app", "demo",
		"--scenario", "upload", "--endpoints", "3", "--blob-size", "10KiB", "--upload-rate", "4", "--duration", "2500ms",
		"--token-pattern", "up-%d", "--fail-on", "errors>0")
	if err != nil {
		t.Fatalf("sim: %v\n%s", err, stderr)
	}
	uploads := num(rep, "uploads")
	if uploads < 6 || num(rep, "upload_attempts") != uploads || num(rep, "upload_bytes") != uploads*10240 {
		t.Errorf("uploads %v of %v, %v bytes", uploads, rep["upload_attempts"], rep["upload_bytes"])
	}
	if num(rep, "token_refetches") < 1 || num(rep, "upload_mb_per_sec") <= 0 {
		t.Errorf("token fetches %v refetches %v MB/s %v: want a refetch after expiry", rep["token_fetches"], rep["token_refetches"], rep["upload_mb_per_sec"])
	}
	out, _, err := execute(t, "blobs", "ls", "--app", "demo", "--data-dir", dir, "--bcx-url", "http://"+p.BCX.RESTAddr(), "--size", "1000", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Content []struct {
			Name string `json:"name"`
			Size int64  `json:"size"`
		} `json:"content"`
	}
	if err := json.Unmarshal([]byte(out), &page); err != nil {
		t.Fatalf("blobs ls: %v\n%s", err, out)
	}
	if float64(len(page.Content)) != uploads {
		t.Errorf("BCX lists %d blobs, the report says %v uploads", len(page.Content), uploads)
	}
	for _, b := range page.Content {
		if !strings.HasPrefix(b.Name, "sim-") || b.Size != 10240 {
			t.Errorf("blob %+v", b)
		}
	}
}

// TestSimProvisionAndRefusedTokens: without --auto-register, unknown tokens
// are refused (counted by kind); --provision registers them and the same run
// passes.
func TestSimProvisionAndRefusedTokens(t *testing.T) {
	dir := t.TempDir()
	p, _, stop := startUp(t, dir, func(o *upOptions) { o.AutoRegister = false })
	defer stop()
	args := []string{"--url", "tcp://" + p.KPC.MQTTAddr(), "--bcx-url", "http://" + p.BCX.RESTAddr(),
		"--provider-url", "http://" + p.Provider.RESTAddr(), "--data-dir", dir,
		"--scenario", "kp=1,upload=1", "--endpoints", "4", "--requests", "40", "--duration", "0", "--blob-size", "1KiB"}
	rep, _, err := simJSON(t, append(args, "--provision", "never", "--app", "demo")...)
	if !errors.Is(err, sim.ErrRunFailed) || !strings.HasPrefix(err.Error(), "run failed: 40 errors (status_401 20, token_status_401 20): unknown endpoint token") {
		t.Fatalf("a run with every token refused: %v", err)
	}
	kinds := errKinds(rep)
	if kinds["status_401"] != num(rep, "requests") || kinds["token_status_401"] != num(rep, "upload_attempts") ||
		num(rep, "requests")+num(rep, "upload_attempts") != 40 || len(kinds) != 2 {
		t.Errorf("errors %v, requests %v, uploads %v: want every request status_401 and every upload token_status_401",
			kinds, rep["requests"], rep["upload_attempts"])
	}
	if samples, _ := rep["error_samples"].(map[string]any); samples["status_401"] == nil || samples["token_status_401"] == nil {
		t.Errorf("error_samples %v: want the reason of each kind", rep["error_samples"])
	}
	rep, stderr, err := simJSON(t, append(args, "--fail-on", "errors>0")...) // --provision auto: admin token in the data dir
	if err != nil {
		t.Fatalf("provisioned run: %v %v\n%s", err, rep["errors"], stderr)
	}
	if !strings.Contains(stderr, "provisioned 4 endpoints") {
		t.Errorf("stderr %q", stderr)
	}
	if num(rep, "ok")+num(rep, "uploads") != 40 {
		t.Errorf("ok %v uploads %v, want 40 in all", rep["ok"], rep["uploads"])
	}

	// Basic credentials are provisioned next to the tokens and sent on connect.
	_, stderr, err = simJSON(t, append(args, "--username", "dev-%d", "--password", "password-of-device-%d", "--fail-on", "errors>0")...)
	if err != nil || !strings.Contains(stderr, "provisioned 4 endpoints with basic credentials") {
		t.Fatalf("credentials run: %v\n%s", err, stderr)
	}
	users := listed(t, adminProvider(p).ListBasic, func(c provider.BasicCredential) string { return c.Username })
	if strings.Join(users, ",") != "dev-0,dev-1,dev-2,dev-3" {
		t.Errorf("basic credentials %v", users)
	}
	// Other passwords for the same usernames: the run fails, and says why.
	_, stderr, err = simJSON(t, append(args, "--username", "dev-%d", "--password", "another-password-of-device-%d")...)
	if err == nil || !strings.Contains(err.Error(), "bad user name or password") ||
		!strings.Contains(stderr, "4 of the usernames were registered already and keep the passwords they were made with") {
		t.Errorf("run with other passwords: %v\n%s", err, stderr)
	}
}

// TestSimConnectChurn: connect endpoints churn; kp endpoints of the same mix
// keep getting answers.
func TestSimConnectChurn(t *testing.T) {
	p, _, stop := startUp(t, t.TempDir())
	defer stop()
	rep, _, err := simJSON(t, "--url", "tcp://"+p.KPC.MQTTAddr(), "--provision", "never", "--app", "demo", "--scenario", "kp=1,connect=3",
		"--endpoints", "8", "--hold", "100ms", "--duration", "1s", "--rate", "20", "--fail-on", "errors>0")
	if err != nil {
		t.Fatalf("sim: %v %v", err, rep)
	}
	// 6 connect endpoints reconnect about every 100ms for 1s.
	if num(rep, "connects") < 8+6*3 || num(rep, "ok") == 0 || num(rep, "connect_p99_ms") <= 0 {
		t.Errorf("connects %v ok %v connect p99 %v", rep["connects"], rep["ok"], rep["connect_p99_ms"])
	}
}

// TestSimServerStopped: KPC going away mid-run ends the run with the loss
// counted, and the report is still printed.
func TestSimServerStopped(t *testing.T) {
	p, _, stop := startUp(t, t.TempDir())
	var stopped atomic.Bool
	rep, err := sim.Run(context.Background(), sim.Options{URL: "tcp://" + p.KPC.MQTTAddr(), Endpoints: 6, Duration: time.Minute, Rate: 50},
		func(s sim.Snapshot) {
			if s.OK > 50 && stopped.CompareAndSwap(false, true) {
				go stop()
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	if !stopped.Load() {
		t.Fatal("KPC never stopped")
	}
	if rep.Elapsed > 30*time.Second || rep.OK < 50 || rep.Errors["disconnected"] < 6 {
		t.Errorf("elapsed %v ok %d errors %v: want the run to end with every connection lost", rep.Elapsed, rep.OK, rep.Errors)
	}
	if rep.Connected != 6 || rep.Requests < rep.OK || rep.Interrupted {
		t.Errorf("report %+v", rep)
	}
}

// TestSimTokensFile: --tokens-file with fewer tokens than endpoints is
// refused before connecting.
func TestSimTokensFile(t *testing.T) {
	path := testenv.WriteFile(t, t.TempDir(), "tokens.txt", "one\ntwo\n")
	if _, _, err := execute(t, "sim", "--tokens-file", path, "--endpoints", "3", "--provision", "never", "--app", "demo"); err == nil || !strings.Contains(err.Error(), "has 2 tokens for 3 endpoints") {
		t.Errorf("err %v", err)
	}
}

// TestSimInterrupt: Ctrl-C (SIGINT) stops a long run promptly and the report
// is still printed.
func TestSimInterrupt(t *testing.T) {
	bin := buildKaactl(t)
	p, _, stop := startUp(t, t.TempDir())
	defer stop()
	cmd := exec.Command(bin, "sim", "--url", "tcp://"+p.KPC.MQTTAddr(), "--provision", "never", "--app", "demo", "--endpoints", "5", "--duration", "10m", "--rate", "20")
	var out, errb testenv.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	testenv.Eventually(t, 10*time.Second, "progress with all endpoints connected", func() bool {
		return strings.Contains(errb.String(), "connected 5")
	})
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Errorf("sim exited with %v (code %d), want 130\n%s", err, code, errb.String())
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("sim still running 10s after SIGINT\n%s", errb.String())
	}
	report := out.String()
	for _, want := range []string{"interrupted", "5 connected of 5", "latency p99"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}

// TestSimBCXStopped: BCX going away mid-run fails the uploads after it with
// upload errors (refused connections or 503 while draining), not a hang, and
// the uploads before it are counted as stored.
func TestSimBCXStopped(t *testing.T) {
	p, _, stop := startUp(t, t.TempDir())
	defer stop()
	var stopped atomic.Bool
	rep, err := sim.Run(context.Background(), sim.Options{URL: "tcp://" + p.KPC.MQTTAddr(), BCXURL: "http://" + p.BCX.RESTAddr(),
		Scenario: sim.Mix{{Scenario: sim.ScenarioUpload, Weight: 1}}, Endpoints: 3, BlobSize: 4096, UploadRate: 20, Duration: 2 * time.Second},
		func(s sim.Snapshot) {
			if s.Uploads >= 10 && stopped.CompareAndSwap(false, true) {
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					_ = p.BCX.Shutdown(ctx)
				}()
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	if !stopped.Load() {
		t.Fatal("BCX never stopped")
	}
	for kind := range rep.Errors {
		if rep.ErrorSamples[kind] == "" {
			t.Errorf("no reason given for %s: %v", kind, rep.ErrorSamples)
		}
	}
	failed := rep.Errors["upload_transport"] + rep.Errors["upload_503"]
	if rep.Uploads < 10 || failed == 0 || rep.Uploads+failed != rep.UploadAttempts || rep.ErrorCount() != failed {
		t.Errorf("uploads %d of %d, errors %v: want the uploads after the stop to fail as upload_transport/upload_503",
			rep.Uploads, rep.UploadAttempts, rep.Errors)
	}
}

// TestSimX509: --x509 gives every endpoint its own client certificate over
// mqtts and registers each as X.509 credentials, once: a second run finds
// them registered.
func TestSimX509(t *testing.T) {
	dir := t.TempDir()
	p, _, stop := startUp(t, dir, func(o *upOptions) { o.AutoRegister = false })
	defer stop()
	args := []string{"sim", "--no-dashboard", "--url", "mqtts://" + p.KPC.MQTTSAddr(), "--kpc-rest-url", "http://" + p.KPC.RESTAddr(),
		"--provider-url", "http://" + p.Provider.RESTAddr(), "--data-dir", dir, "--x509",
		"--endpoints", "3", "--requests", "30", "--duration", "0", "--fail-on", "errors>0"}
	for run, want := range []string{"(3 new, 0 already there)", "(0 new, 3 already there)"} {
		_, stderr, err := execute(t, args...)
		if err != nil || !strings.Contains(stderr, "provisioned 3 endpoints with X.509 credentials in kaa/sim "+want) {
			t.Fatalf("run %d: %v\n%s", run+1, err, stderr)
		}
	}
	subjects := listed(t, adminProvider(p).ListCerts, func(c provider.CertCredential) string { return c.Subject })
	if len(subjects) != 3 || !strings.Contains(subjects[0], "CN=sim-0") || !strings.Contains(subjects[2], "CN=sim-2") {
		t.Errorf("X.509 credentials %v", subjects)
	}
	if _, _, err := execute(t, "sim", "--x509", "--url", "tcp://"+p.KPC.MQTTAddr(), "--provision", "never", "--app", "demo"); err == nil || !strings.Contains(err.Error(), "need a TLS URL") || !cli.IsUsage(err) {
		t.Errorf("--x509 over plain MQTT: %v", err)
	}
}

// TestSimFlags: the command hands its run function a validated Config.
func TestSimFlags(t *testing.T) {
	tests := []struct {
		args     []string
		duration time.Duration
		token0   string
	}{
		{[]string{"--requests", "300"}, 0, "sim-0"}, // a budget alone runs until it is spent
		{[]string{"--token-pattern", "dev-%05d"}, 10 * time.Second, "dev-00000"},
	}
	for _, tt := range tests {
		var got *sim.Config
		cmd := newSimCmd(output.New(nil, io.Discard, io.Discard), func(_ context.Context, c *sim.Config) error { got = c; return nil })
		cmd.SetArgs(tt.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if got.Duration != tt.duration || got.Tokens(0) != tt.token0 {
			t.Errorf("%v: duration %v token %q, want %v %q", tt.args, got.Duration, got.Tokens(0), tt.duration, tt.token0)
		}
	}
}

// TestSimX509SignedByCA: with --x509-ca the endpoints' certificates chain
// to the CA KPC verifies (--client-ca), so a tenant policy that requires
// X.509 on MQTT/TLS admits them; self-signed ones fail the TLS handshake.
func TestSimX509SignedByCA(t *testing.T) {
	dir := t.TempDir()
	caCert, caKey := testenv.NewCA(t, "Sim Device CA").Files(t)
	p, _, stop := startUp(t, dir, func(o *upOptions) { o.AutoRegister, o.KPC.ClientCA = false, caCert })
	defer stop()
	conn := []string{"--provider-url", "http://" + p.Provider.RESTAddr(), "--data-dir", dir}
	if _, _, err := execute(t, append([]string{"tenants", "policy", "set", "kaa", "--transport", "tls", "--x509-auth", "required"}, conn...)...); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"sim", "--no-dashboard", "--url", "mqtts://" + p.KPC.MQTTSAddr(), "--kpc-rest-url", "http://" + p.KPC.RESTAddr(),
		"--x509", "--endpoints", "3", "--requests", "30", "--duration", "0", "--fail-on", "errors>0"}, conn...)
	if _, stderr, err := execute(t, append(args, "--x509-ca", caCert, "--x509-ca-key", caKey)...); err != nil {
		t.Fatalf("signed by the CA: %v\n%s", err, stderr)
	}
	if _, _, err := execute(t, append(args, "--provision", "never")...); err == nil || !strings.Contains(err.Error(), "unknown certificate authority") {
		t.Errorf("self-signed: %v", err)
	}
	if _, _, err := execute(t, append(args, "--x509-ca", caCert)...); !cli.IsUsage(err) {
		t.Errorf("--x509-ca without its key: %v", err)
	}
}
