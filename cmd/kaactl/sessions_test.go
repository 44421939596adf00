package main

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// TestSessionsCommands: `sessions ls -o json` shows the clients of two
// replicas, `sessions kick` closes exactly one, a stopped replica is
// reported missing (exit 1), over NATS and over REST.
func TestSessionsCommands(t *testing.T) {
	p := platformtest.Start(t, platformtest.KPC(func(o *kpc.Options) { o.ReplicaID = "r1" }))
	r2 := platformtest.Replica(t, p, func(o *kpc.Options) { o.ReplicaID = "r2" })
	devA, _ := platformtest.Device(t, p, p.KPC().MQTTAddr(), "dev-a")
	_, epC := platformtest.Device(t, p, r2.MQTTAddr(), "dev-c")
	conn := []string{"--nats", p.NATSURL(), "--data-dir", p.DataDir(), "--timeout", "1s"}
	ls := func(t *testing.T, args ...string) (admin.Gathered, error) {
		t.Helper()
		out, _, err := execute(t, append(append([]string{"sessions", "ls", "-o", "json"}, args...), conn...)...)
		var g admin.Gathered
		if jerr := json.Unmarshal([]byte(out), &g); jerr != nil && err == nil {
			t.Fatalf("json: %v\n%s", jerr, out)
		}
		return g, err
	}
	ids := func(g admin.Gathered) []string {
		var out []string
		for _, s := range g.Sessions {
			out = append(out, s.Replica+"/"+s.ClientID)
		}
		return out
	}
	testenv.Eventually(t, 5*time.Second, "both replicas answer", func() bool {
		g, err := ls(t)
		return err == nil && len(g.Replicas) == 2
	})
	g, err := ls(t)
	if err != nil || !slices.Equal(ids(g), []string{"r1/dev-a", "r2/dev-c"}) {
		t.Fatalf("ls: %v, %v", ids(g), err)
	}
	if g, err := ls(t, "--endpoint", epC); err != nil || !slices.Equal(ids(g), []string{"r2/dev-c"}) {
		t.Errorf("ls --endpoint: %v, %v", ids(g), err)
	}
	out, _, err := execute(t, append([]string{"sessions", "ls", "--app", "demo"}, conn...)...)
	if rs := rows(out); err != nil || len(rs) != 2 || rs[1][0] != "r2" || rs[1][1] != "dev-c" || rs[1][5] != epC {
		t.Errorf("table: %q, %v", out, err)
	}

	out, _, err = execute(t, append([]string{"sessions", "kick", "dev-c"}, conn...)...)
	if err != nil || out != "kicked dev-c on r2\n" {
		t.Fatalf("kick: %q, %v", out, err)
	}
	if g, err := ls(t); err != nil || !slices.Equal(ids(g), []string{"r1/dev-a"}) {
		t.Errorf("after kick: %v, %v", ids(g), err)
	}
	if got := devA.Drain(); len(got) != 0 {
		t.Errorf("dev-a got %v", got)
	}
	_, _, err = execute(t, append([]string{"sessions", "kick", "dev-c"}, conn...)...)
	if err == nil || !strings.Contains(admin.Explain(err, "").Error(), `not found: no session of client "dev-c"`) {
		t.Errorf("kick again: %v", err)
	}

	// REST: one replica, no kick.
	rest := []string{"--kpc", "http://" + r2.RESTAddr(), "--data-dir", p.DataDir()}
	out, _, err = execute(t, append([]string{"sessions", "ls", "-o", "json"}, rest...)...)
	if err != nil || !strings.Contains(out, `"replicas": [`+"\n"+`    "r2"`) {
		t.Errorf("rest ls: %s, %v", out, err)
	}
	if _, _, err := execute(t, append([]string{"sessions", "kick", "dev-a"}, rest...)...); !errors.Is(err, admin.ErrKickNeedsNATS) {
		t.Errorf("rest kick: %v", err)
	}

	if err := r2.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	g, err = ls(t)
	if !errors.Is(err, admin.ErrReplicaMissing) || !strings.Contains(err.Error(), "r2 did not answer within 1s") || !slices.Equal(g.Missing, []string{"r2"}) || !slices.Equal(ids(g), []string{"r1/dev-a"}) {
		t.Errorf("stopped replica: %v, missing %v, sessions %v", err, g.Missing, ids(g))
	}

	// The TUI wants a terminal; NATS nobody listens on is one line.
	if _, _, err := execute(t, append([]string{"sessions"}, conn...)...); !cli.IsUsage(err) {
		t.Errorf("sessions in a pipe: %v", err)
	}
	if _, _, err := execute(t, "sessions", "ls", "--nats", "nats://127.0.0.1:1", "--data-dir", t.TempDir()); !errors.Is(err, admin.ErrUnreachable) || strings.Contains(err.Error(), "\n") {
		t.Errorf("no nats: %v", err)
	}
	// A NATS token file readable by others is refused.
	tokFile := filepath.Join(t.TempDir(), "nats.token")
	if err := os.WriteFile(tokFile, []byte("t\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := execute(t, "sessions", "ls", "--nats", p.NATSURL(), "--nats-token-file", tokFile); !errors.Is(err, admin.ErrInsecureFile) {
		t.Errorf("0644 token file: %v", err)
	}
}

// TestCertFetch: the details, the file, and --verify against KPC (passes)
// and against a TLS server with another certificate (fails).
func TestCertFetch(t *testing.T) {
	p := platformtest.Start(t)
	kpcURL := "http://" + p.KPC().RESTAddr()
	_, port, _ := net.SplitHostPort(p.KPC().MQTTSAddr())
	file := filepath.Join(t.TempDir(), "kpc.crt")
	out, _, err := execute(t, "cert", "fetch", "--kpc", kpcURL, "-o", file, "--verify", "localhost:"+port)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"subject ", "sans       localhost, 127.0.0.1, ::1", "not after ", "sha256 ", "saved      " + file, "verified   localhost:" + port + " presents this certificate"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	saved, _ := os.ReadFile(file)
	served, _ := os.ReadFile(filepath.Join(p.DataDir(), "kpc-tls.crt"))
	if len(saved) == 0 || string(saved) != string(served) {
		t.Errorf("saved %q, KPC serves %q", saved, served)
	}
	out, errOut, err := execute(t, "cert", "fetch", "--kpc", kpcURL, "-o", "-")
	if err != nil || out != string(served) || !strings.Contains(errOut, "sha256") {
		t.Errorf("-o -: %q %q %v", out, errOut, err)
	}

	other := httptest.NewTLSServer(http.NotFoundHandler())
	defer other.Close()
	_, _, err = execute(t, "cert", "fetch", "--kpc", kpcURL, "--verify", other.Listener.Addr().String())
	if !errors.Is(err, admin.ErrCertMismatch) {
		t.Errorf("another certificate: %v", err)
	}
	if _, _, err := execute(t, "cert", "fetch", "--kpc", "http://127.0.0.1:1"); err == nil || cli.IsUsage(err) {
		t.Errorf("unreachable: %v", err)
	}
}
