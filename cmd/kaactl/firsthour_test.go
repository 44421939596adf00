package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/sim"
)

// TestSimFailsWhenKPCGoesAway: kaactl up dying in the middle of a run
// fails it (exit 1) with the lost connections counted, report printed.
func TestSimFailsWhenKPCGoesAway(t *testing.T) {
	p, _, stop := startUp(t, t.TempDir())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		// Requests start once every endpoint has connected and subscribed.
		testenv.Eventually(t, 10*time.Second, "requests answered", func() bool {
			_, body := testenv.Get(t, "http://"+p.KPC.RESTAddr()+"/metrics")
			return strings.Contains(body, `kaa_kpc_requests_total{extension="echo",status="200",transport="mqtt"}`)
		})
		stop()
	}()
	rep, _, err := simJSON(t, "--url", "tcp://"+p.KPC.MQTTAddr(), "--provision", "never", "--app", "demo",
		"--endpoints", "6", "--duration", "1m", "--rate", "20")
	<-stopped
	if !errors.Is(err, sim.ErrRunFailed) || !strings.HasPrefix(err.Error(), "run failed: 6 connections were lost (--reconnect connects again): connection lost") {
		t.Fatalf("err %v", err)
	}
	if num(rep, "lost_connections") != 6 || num(rep, "connected") != 6 {
		t.Errorf("report %v", rep)
	}
	if code := exitCode(err); code != 1 {
		t.Errorf("exit %d", code)
	}
}

// TestSimFileLimit: a fleet larger than the file limit is refused before
// anything is dialed (the URL is not even listening), saying what to do.
func TestSimFileLimit(t *testing.T) {
	bin := buildKaactl(t)
	out, err := exec.Command("sh", "-c", `ulimit -n 200 && exec "$0" sim --url tcp://127.0.0.1:1 --provision never --endpoints 1000`, bin).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1\n%s", err, out)
	}
	if s := string(out); !strings.Contains(s, "1,000 endpoints need about 1,064 open files and this process may open 200") ||
		!strings.Contains(s, "ulimit -n 1064") || strings.Contains(s, "connection refused") || strings.Count(s, "\n") != 1 {
		t.Errorf("output:\n%s", s)
	}
}

// TestSimOwnAppAndCleanup: by default the simulator's endpoints go to its
// own application, created on demand, and --cleanup removes what the run
// created: its endpoints and their blobs, nothing else.
func TestSimOwnAppAndCleanup(t *testing.T) {
	dir := t.TempDir()
	p, _, stop := startUp(t, dir, func(o *upOptions) { o.AutoRegister = false })
	defer stop()
	c := adminProvider(p)
	ctx := context.Background()
	if _, _, err := c.CreateEndpoint(ctx, "kaa", "demo", "someone-elses"); err != nil {
		t.Fatal(err)
	}
	bcx := "http://" + p.BCX.RESTAddr()
	args := []string{"--url", "tcp://" + p.KPC.MQTTAddr(), "--bcx-url", bcx, "--provider-url", "http://" + p.Provider.RESTAddr(), "--data-dir", dir,
		"--scenario", "kp=1,upload=1", "--endpoints", "4", "--requests", "40", "--duration", "0", "--blob-size", "1KiB"}
	rep, stderr, err := simJSON(t, args...)
	if err != nil {
		t.Fatalf("first run: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "created application sim (version sim-v1) in tenant kaa") || !strings.Contains(stderr, "provisioned 4 endpoints in kaa/sim (4 new") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if eps, err := c.ListEndpoints(ctx, "kaa", "sim"); err != nil || len(eps) != 4 {
		t.Errorf("sim endpoints after a run without --cleanup: %d %v", len(eps), err)
	}
	kept := num(rep, "uploads") // this run's blobs stay: no --cleanup
	// A second run finds the app and the endpoints there: it created none,
	// so it deletes only the blobs it uploaded.
	rep, stderr, err = simJSON(t, append(args, "--cleanup")...)
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, stderr)
	}
	if want := "cleanup: deleted 0 endpoints from kaa/sim and " + sim.Thousands(int64(num(rep, "uploads"))) + " blobs"; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	if _, err := c.DeleteAllEndpoints(ctx, "kaa", "sim"); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = simJSON(t, append(args, "--cleanup")...)
	if err != nil || !strings.Contains(stderr, "cleanup: deleted 4 endpoints from kaa/sim and ") {
		t.Fatalf("third run: %v\n%s", err, stderr)
	}
	if eps, err := c.ListEndpoints(ctx, "kaa", "sim"); err != nil || len(eps) != 0 {
		t.Errorf("sim endpoints after --cleanup: %v %v", eps, err)
	}
	blobs := &admin.BlobsClient{REST: admin.REST{BaseURL: bcx, Token: p.AdminToken}}
	page, err := blobs.List(ctx, "sim", admin.ListOptions{Size: 1000})
	if err != nil || page.TotalElements != int64(kept) || kept == 0 {
		t.Errorf("sim blobs after the runs: %d %v, want the first run's %v", page.TotalElements, err, kept)
	}
	if eps, err := c.ListEndpoints(ctx, "kaa", "demo"); err != nil || len(eps) != 1 {
		t.Errorf("demo endpoints: %v %v, want the one that was there", eps, err)
	}
	// --app other than sim is not created behind the user's back.
	if _, _, err := execute(t, append(append([]string{"sim"}, args...), "--app", "dmeo")...); err == nil || !strings.Contains(err.Error(), `application "dmeo" not found in tenant "kaa": create it (kaactl apps create dmeo)`) {
		t.Errorf("a missing --app: %v", err)
	}
}

// TestSimWrongProviderNamesIt: provisioning refused by a provider says
// which one and which flags to check.
func TestSimWrongProviderNamesIt(t *testing.T) {
	p, _, stop := startUp(t, t.TempDir())
	defer stop()
	_, _, err := execute(t, "sim", "--url", "tcp://"+p.KPC.MQTTAddr(), "--provider-url", "http://"+p.Provider.RESTAddr(), "--admin-token", "not-this-one")
	if err == nil || !strings.Contains(err.Error(), "provider at http://"+p.Provider.RESTAddr()+": ") || !strings.Contains(err.Error(), "--admin-token") {
		t.Errorf("err %v", err)
	}
}

// TestEndpointsPagingAndRm: ls shows a page and says how many there are;
// rm deletes listed endpoints or all of them (which wants --yes in a script).
func TestEndpointsPagingAndRm(t *testing.T) {
	dir := t.TempDir()
	p, _, stop := startUp(t, dir)
	defer stop()
	conn := []string{"--provider-url", "http://" + p.Provider.RESTAddr(), "--data-dir", dir}
	ctx := context.Background()
	var ids []string
	for i := range 5 {
		ep, _, err := adminProvider(p).CreateEndpoint(ctx, "kaa", "demo", "t"+string(rune('a'+i)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ep.ID)
	}
	out, stderr, err := execute(t, append([]string{"endpoints", "ls", "--app", "demo", "--limit", "2"}, conn...)...)
	if err != nil || len(rows(out)) != 2 || rows(out)[0][0] != ids[0] || !strings.Contains(stderr, "2 of 5 endpoints (--limit N for more, --all for every one)") {
		t.Errorf("ls --limit 2: %v %q %q", err, out, stderr)
	}
	if out, stderr, err := execute(t, append([]string{"endpoints", "ls", "--app", "demo", "--all"}, conn...)...); err != nil || len(rows(out)) != 5 || stderr != "" {
		t.Errorf("ls --all: %v %q %q", err, out, stderr)
	}
	token, _, err := execute(t, append([]string{"endpoints", "create", "--app", "demo", "--token-only"}, conn...)...)
	if err != nil || strings.Count(token, "\n") != 1 || len(strings.TrimSpace(token)) < 20 {
		t.Errorf("create --token-only: %v %q", err, token)
	}
	if out, _, err := execute(t, append([]string{"endpoints", "rm", "--app", "demo", ids[0], ids[1]}, conn...)...); err != nil || out != "deleted 2 endpoints of demo\n" {
		t.Errorf("rm two: %v %q", err, out)
	}
	if _, _, err := execute(t, append([]string{"endpoints", "rm", "--app", "demo", ids[0]}, conn...)...); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("rm again: %v", err)
	}
	for _, bad := range [][]string{{"rm", "--app", "demo"}, {"rm", "--app", "demo", "--all", ids[2]}, {"rm", "--app", "demo", "--all"}, {"ls", "--app", "demo", "--limit", "0"}} {
		if _, _, err := execute(t, append(append([]string{"endpoints"}, bad...), conn...)...); !cli.IsUsage(err) {
			t.Errorf("endpoints %v: %v, want a usage error", bad, err)
		}
	}
	out, _, err = execute(t, append([]string{"endpoints", "rm", "--app", "demo", "--all", "--yes", "-o", "json"}, conn...)...)
	var del api.DeletedEndpoints
	if err != nil || json.Unmarshal([]byte(out), &del) != nil || del.Deleted != 4 {
		t.Errorf("rm --all: %v %q", err, out)
	}
	// --app completes with the applications of the provider.
	out, _, err = execute(t, append(append([]string{"__complete", "endpoints", "ls"}, conn...), "--app", "")...)
	if err != nil || !strings.Contains(out, "demo\n") {
		t.Errorf("--app completion: %v %q", err, out)
	}
}

// TestUpReset: --reset starts over, and in a script only with --yes.
func TestUpReset(t *testing.T) {
	dir := t.TempDir()
	p, _, stop := startUp(t, dir)
	if _, _, err := adminProvider(p).CreateEndpoint(context.Background(), "kaa", "demo", "before-reset"); err != nil {
		t.Fatal(err)
	}
	token := p.AdminToken
	stop()
	o := &upOptions{Options: platform.DefaultOptions(), reset: true}
	o.DataDir = dir
	err := runUp(context.Background(), output.New(strings.NewReader("y\n"), io.Discard, io.Discard), o)
	if !cli.IsUsage(err) || !strings.Contains(err.Error(), "refused without --yes") {
		t.Fatalf("--reset without --yes in a script: %v", err)
	}
	p, _, stop = startUp(t, dir, func(o *upOptions) { o.reset, o.yes = true, true })
	defer stop()
	if eps, err := adminProvider(p).ListEndpoints(context.Background(), "kaa", "demo"); err != nil || len(eps) != 0 || p.AdminToken != token {
		t.Errorf("after --reset: endpoints %v %v, admin token kept %v", eps, err, p.AdminToken == token)
	}
	if _, err := os.Stat(filepath.Join(dir, "kpc-tls.crt")); err != nil {
		t.Errorf("TLS certificate gone: %v", err)
	}
}
