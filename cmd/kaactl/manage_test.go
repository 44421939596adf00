package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/sim"
)

// executeIn is execute with stdin.
func executeIn(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd(output.New(strings.NewReader(stdin), &out, &errb))
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

// rows splits tab-separated output into rows of fields.
func rows(out string) [][]string {
	var rs [][]string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line != "" {
			rs = append(rs, strings.Split(line, "\t"))
		}
	}
	return rs
}

// TestManage drives the management commands against `kaactl up` in-process.
// Their stdout is a buffer, as in a pipe: tables are tab-separated rows
// without a header.
func TestManage(t *testing.T) {
	dir := t.TempDir()
	p, _, stop := startUp(t, dir)
	defer stop()
	conn := []string{"--provider-url", "http://" + p.Provider.RESTAddr(), "--bcx-url", "http://" + p.BCX.RESTAddr(), "--admin-token", p.AdminToken}
	kaactl := func(t *testing.T, args ...string) string {
		t.Helper()
		out, errOut, err := execute(t, append(args, conn...)...)
		if err != nil {
			t.Fatalf("kaactl %s: %v\n%s", strings.Join(args, " "), err, errOut)
		}
		return out
	}
	// decode runs a command with -o json into v, and checks that -o yaml
	// gives the same keys.
	decode := func(t *testing.T, v any, args ...string) {
		t.Helper()
		js, ys := kaactl(t, append(args, "-o", "json")...), kaactl(t, append(args, "-o", "yaml")...)
		var fromJSON, fromYAML any
		if err := errors.Join(json.Unmarshal([]byte(js), v), json.Unmarshal([]byte(js), &fromJSON), yaml.Unmarshal([]byte(ys), &fromYAML)); err != nil {
			t.Fatalf("%s: %v", strings.Join(args, " "), err)
		}
		if j, y := keys(fromJSON), keys(fromYAML); j != y || j == "" && js != "[]\n" {
			t.Errorf("%s: json keys %q, yaml keys %q", strings.Join(args, " "), j, y)
		}
	}
	// fails runs a command that must fail and returns its one-line error.
	fails := func(t *testing.T, stdin string, args ...string) error {
		t.Helper()
		_, _, err := executeIn(t, stdin, append(args, conn...)...)
		if err == nil {
			t.Fatalf("kaactl %s succeeded", strings.Join(args, " "))
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("error is not one line: %q", err)
		}
		return err
	}

	t.Run("apps", func(t *testing.T) {
		if out := kaactl(t, "apps", "create", "thermo", "--version", "thermo-v1", "--version", "thermo-v2"); !strings.Contains(out, "thermo created") {
			t.Errorf("create: %q", out)
		}
		rs := rows(kaactl(t, "apps", "ls"))
		if len(rs) != 2 || rs[0][0] != "demo" || rs[1][0] != "thermo" || rs[1][1] != "thermo-v1,thermo-v2" || len(rs[1]) != 4 {
			t.Errorf("ls rows %q", rs)
		}
		var apps []api.App
		if decode(t, &apps, "apps", "ls"); len(apps) != 2 {
			t.Fatalf("ls json: %+v", apps)
		}
		if err := fails(t, "", "apps", "create", "thermo"); !strings.Contains(err.Error(), "already exists") {
			t.Errorf("duplicate: %v", err)
		}
		if err := fails(t, "", "endpoints", "ls", "--app", "nope"); !strings.Contains(err.Error(), "not found") {
			t.Errorf("unknown app: %v", err)
		}
		if err := fails(t, "", "apps", "ls", "-o", "xml"); !strings.Contains(err.Error(), "--output") || !strings.Contains(err.Error(), "want table, json or yaml") {
			t.Errorf("bad -o: %v", err)
		}
	})

	t.Run("endpoints", func(t *testing.T) {
		out, errOut, err := execute(t, append([]string{"endpoints", "create", "--app", "demo", "--name", "kitchen"}, conn...)...)
		if err != nil || !strings.Contains(errOut, "not shown again") {
			t.Fatalf("create: %v %q", err, errOut)
		}
		rs := rows(out)
		if len(rs) != 1 || len(rs[0]) != 3 {
			t.Fatalf("create rows %q", rs)
		}
		epID, token := rs[0][0], rs[0][2]
		echo := func() int {
			resp, err := http.Post("http://"+p.KPC.HTTPAddr()+"/kp1/demo-v1/echo/"+token+"/ping", "text/plain", strings.NewReader("hi"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := echo(); code != 200 {
			t.Errorf("the new token does not work: %d", code)
		}
		status := func() api.Status {
			var eps []api.Endpoint
			decode(t, &eps, "endpoints", "ls", "--app", "demo")
			for _, e := range eps {
				if e.ID == epID {
					return e.Status
				}
			}
			t.Fatalf("endpoint %s not listed: %+v", epID, eps)
			return ""
		}
		if st := status(); st != api.StatusActive {
			t.Errorf("status after use %q", st)
		}
		if out := kaactl(t, "endpoints", "ls", "--app", "demo"); !strings.Contains(out, epID+"\tkitchen\tactive\t") || strings.Contains(out, token) {
			t.Errorf("ls rows (must not show the token):\n%s", out)
		}
		kaactl(t, "endpoints", "suspend", "--app", "demo", epID)
		if st := status(); st != api.StatusSuspended {
			t.Errorf("status after suspend %q", st)
		}
		kaactl(t, "endpoints", "activate", "--app", "demo", epID)
		if out := kaactl(t, "endpoints", "revoke", "--app", "demo", epID, "-o", "yaml"); out != "endpointId: "+epID+"\nstatus: revoked\n" {
			t.Errorf("revoke: %q", out)
		}
		if st := status(); st != api.StatusRevoked {
			t.Errorf("status after revoke %q", st)
		}
		if code := echo(); code == 200 {
			t.Error("a revoked token still works")
		}
		if err := fails(t, "", "endpoints", "revoke", "--app", "demo", "no-such-endpoint"); !strings.Contains(err.Error(), "not found") {
			t.Errorf("revoke unknown: %v", err)
		}
	})

	t.Run("basic", func(t *testing.T) {
		out, _, err := executeIn(t, "s3cret-pass-0123456\n", append([]string{"credentials", "basic", "create", "--username", "sensor-1", "--password-stdin", "-o", "json"}, conn...)...)
		var cred api.BasicCredential
		if err != nil || json.Unmarshal([]byte(out), &cred) != nil || cred.ID == "" || cred.Username != "sensor-1" {
			t.Fatalf("create: %v %q", err, out)
		}
		out = kaactl(t, "credentials", "basic", "ls")
		if !strings.HasPrefix(out, cred.ID+"\tsensor-1\tsensor-1\tactive\t") || strings.Contains(out, "s3cret") {
			t.Errorf("ls:\n%s", out)
		}
		if err := fails(t, "again-0123456789abc\n", "credentials", "basic", "create", "--username", "sensor-1", "--password-stdin"); !strings.Contains(err.Error(), "already exists") {
			t.Errorf("duplicate: %v", err)
		}
		_, errOut, err := execute(t, append([]string{"credentials", "basic", "create", "--username", "sensor-2", "--password", "other-pass-0123456"}, conn...)...)
		if err != nil || !strings.Contains(errOut, "shell history") {
			t.Errorf("--password: %v %q", err, errOut)
		}
		if out := kaactl(t, "credentials", "basic", "suspend", cred.ID); out != "credentials "+cred.ID+" are suspended\n" {
			t.Errorf("suspend: %q", out)
		}
		if out := kaactl(t, "credentials", "basic", "ls"); !strings.HasPrefix(out, cred.ID+"\tsensor-1\tsensor-1\tsuspended\t") {
			t.Errorf("ls after suspend:\n%s", out)
		}
		if out := kaactl(t, "credentials", "basic", "activate", cred.ID, "-o", "json"); !strings.Contains(out, `"status":"active"`) && !strings.Contains(out, `"status": "active"`) {
			t.Errorf("activate: %q", out)
		}
		if err := fails(t, "", "credentials", "basic", "suspend", "no-such-id"); !strings.Contains(err.Error(), "not found") {
			t.Errorf("suspend unknown: %v", err)
		}
		kaactl(t, "credentials", "basic", "revoke", cred.ID)
		if err := fails(t, "", "credentials", "basic", "activate", cred.ID); !strings.Contains(err.Error(), "revocation is final") {
			t.Errorf("activate revoked: %v", err)
		}
		var creds []api.BasicCredential
		if decode(t, &creds, "credentials", "basic", "ls"); len(creds) != 2 {
			t.Fatalf("ls json: %+v", creds)
		}
		for _, c := range creds {
			if c.ID == cred.ID && c.Status != api.StatusRevoked {
				t.Errorf("status after revoke %q", c.Status)
			}
		}
	})

	t.Run("cert", func(t *testing.T) {
		bad := testenv.WriteFile(t, t.TempDir(), "bad.pem", "not a certificate")
		if err := fails(t, "", "credentials", "cert", "add", "--pem", bad); !strings.Contains(err.Error(), "invalid") {
			t.Errorf("bad PEM: %v", err)
		}
		_, pemData, err := sim.EndpointCert("device-42")
		if err != nil {
			t.Fatal(err)
		}
		serial := certSerial(t, pemData)
		out, _, err := executeIn(t, string(pemData), append([]string{"credentials", "cert", "add", "--pem", "-"}, conn...)...)
		if rs := rows(out); err != nil || len(rs) != 1 || rs[0][2] != serial || !strings.Contains(rs[0][3], "device-42") {
			t.Errorf("add from stdin: %v %q", err, out)
		}
		kaactl(t, "credentials", "cert", "add", "--issuer", "CN=Other CA", "--serial", "77")
		if out := kaactl(t, "credentials", "cert", "ls"); !strings.Contains(out, "device-42") || !strings.Contains(out, "CN=Other CA\t77\t-\t-\tactive") {
			t.Errorf("ls:\n%s", out)
		}
		var creds []api.CertCredential
		if decode(t, &creds, "credentials", "cert", "ls"); len(creds) != 2 {
			t.Fatalf("ls json: %+v", creds)
		}
		if err := fails(t, string(pemData), "credentials", "cert", "add", "--pem", "-"); !strings.Contains(err.Error(), "already exists") {
			t.Errorf("duplicate: %v", err)
		}
		if out := kaactl(t, "credentials", "cert", "revoke", creds[0].ID); !strings.Contains(out, "revoked") {
			t.Errorf("revoke: %q", out)
		}
	})

	t.Run("blobs", func(t *testing.T) {
		if out := kaactl(t, "blobs", "ls", "--app", "demo"); out != "" {
			t.Errorf("empty listing: %q", out)
		}
		var page api.BlobPage
		if decode(t, &page, "blobs", "ls", "--app", "demo"); page.Content == nil || len(page.Content) != 0 || page.TotalElements != 0 {
			t.Errorf("empty json: %+v", page)
		}
		if _, errOut, err := execute(t, "sim", "--url", "tcp://"+p.KPC.MQTTAddr(), "--bcx-url", "http://"+p.BCX.RESTAddr(), "--provision", "never", "--app", "demo",
			"--scenario", "upload", "--endpoints", "1", "--requests", "2", "--blob-size", "1KiB", "--token-pattern", "up-%d",
			"--no-dashboard", "-o", "json"); err != nil {
			t.Fatalf("sim upload: %v\n%s", err, errOut)
		}
		out, errOut, err := execute(t, append([]string{"blobs", "ls", "--app", "demo", "--limit", "1"}, conn...)...)
		rs := rows(out)
		if err != nil || len(rs) != 1 || len(rs[0]) != 6 || rs[0][3] != "1024" || !strings.Contains(errOut, "1 of 2 blobs") {
			t.Fatalf("ls: %v %q %q", err, out, errOut)
		}
		id, ep := rs[0][0], rs[0][1]
		if out := kaactl(t, "blobs", "get", "--app", "demo", "--endpoint", ep, id); len(out) != 1024 {
			t.Errorf("get to stdout: %d bytes", len(out))
		}
		file := filepath.Join(t.TempDir(), "blob.bin")
		out, errOut, err = execute(t, append([]string{"blobs", "get", "--app", "demo", "--endpoint", ep, id, "-O", file}, conn...)...)
		if err != nil || !strings.Contains(errOut, "wrote 1024 bytes") {
			t.Errorf("get -O: %v %q", err, errOut)
		}
		data, err := os.ReadFile(file)
		if sum := sha256.Sum256(data); err != nil || len(data) != 1024 || out != hex.EncodeToString(sum[:])+"  "+file+"\n" {
			t.Errorf("downloaded file: %d bytes, %v; stdout %q", len(data), err, out)
		}
		streamed, errOut, err := execute(t, append([]string{"blobs", "get", "--app", "demo", "--endpoint", ep, id, "-O", "-"}, conn...)...)
		if sum := sha256.Sum256(data); err != nil || streamed != string(data) || !strings.Contains(errOut, "sha256 "+hex.EncodeToString(sum[:])) {
			t.Errorf("get -O -: %v, %d bytes, stderr %q", err, len(streamed), errOut)
		}
		if err := fails(t, "y\n", "blobs", "rm", "--app", "demo", "--endpoint", ep, id); !cli.IsUsage(err) || !strings.Contains(err.Error(), "delete blob "+id) || !strings.Contains(err.Error(), "refused without --yes") {
			t.Errorf("rm in a pipe: %v", err)
		}
		if err := fails(t, "", "blobs", "ls", "--app", "nope"); !errors.Is(err, api.ErrNotFound) || !strings.Contains(err.Error(), `application "nope" does not exist`) {
			t.Errorf("ls of an unknown app: %v", err)
		}
		if err := fails(t, "", "blobs", "get", "--app", "nope", "--endpoint", ep, id); !strings.Contains(err.Error(), `application "nope" does not exist`) {
			t.Errorf("get of an unknown app: %v", err)
		}
		if out := kaactl(t, "blobs", "rm", "--yes", "--app", "demo", "--endpoint", ep, id, "-o", "json"); !strings.Contains(out, `"deleted": true`) {
			t.Errorf("rm: %q", out)
		}
		if err := fails(t, "", "blobs", "get", "--app", "demo", "--endpoint", ep, id); !strings.Contains(err.Error(), "not found") {
			t.Errorf("get deleted: %v", err)
		}
	})

	t.Run("token from data dir", func(t *testing.T) {
		out, _, err := execute(t, "apps", "ls", "--provider-url", "http://"+p.Provider.RESTAddr(), "--data-dir", dir)
		if err != nil || !strings.Contains(out, "demo") {
			t.Errorf("apps ls with the data dir's token: %v %q", err, out)
		}
		_, _, err = execute(t, "apps", "ls", "--provider-url", "http://"+p.Provider.RESTAddr(), "--token", "wrong") // the old name still works
		if want := "unauthorized: invalid admin token: http://" + p.Provider.RESTAddr() + " refused the admin token (check --admin-token or <data-dir>/admin.token, and the URL)"; err == nil || err.Error() != want {
			t.Errorf("wrong token: %v", err)
		}
	})

	t.Run("terminal", func(t *testing.T) {
		ios, _, out, _ := output.Test()
		ios.SetStdoutTTY(true)
		m := &cli.Manage{Printer: output.NewPrinter(ios), Conn: &admin.Conn{ProviderURL: "http://" + p.Provider.RESTAddr(), Token: p.AdminToken, Tenant: "kaa"}}
		if err := cli.WithProvider(m, runAppsLs)(context.Background(), &appsLsOptions{m}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(out.String(), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "NAME    VERSIONS             AUTO-REGISTER  CREATED") ||
			!strings.HasPrefix(lines[1], "demo    demo-v1              true           ") ||
			!strings.HasPrefix(lines[2], "thermo  thermo-v1,thermo-v2  false          ") || strings.Contains(out.String(), "\t") {
			t.Errorf("table on a terminal:\n%s", out.String())
		}
	})
}

// keys lists the keys of the objects in v (an object or a list of them).
func keys(v any) string {
	switch v := v.(type) {
	case []any:
		if len(v) > 0 {
			return keys(v[0])
		}
	case map[string]any:
		var ks []string
		for k := range v {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return strings.Join(ks, ",")
	}
	return ""
}

// certSerial is the base-10 serial of a PEM certificate.
func certSerial(t *testing.T, pemData []byte) string {
	t.Helper()
	block, _ := pem.Decode(pemData)
	if block == nil {
		t.Fatal("no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert.SerialNumber.String()
}

// TestManageFlags: each command parses its flags, the group's and its
// stdin into its options, without a server (runF stands in for the run).
func TestManageFlags(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
		cmd   func(m *cli.Manage, got *string) *cobra.Command
		want  string
	}{
		{"apps create", "", []string{"create", "x", "--version", "a,b", "--auto-register", "-o", "yaml"},
			func(m *cli.Manage, got *string) *cobra.Command {
				return newAppsCreateCmd(m, func(_ context.Context, o *appsCreateOptions) error {
					*got = fmt.Sprintf("%s %v %v %s", o.name, o.versions, o.autoRegister, o.Format)
					return nil
				})
			}, "x [a b] true yaml"},
		{"endpoints suspend", "", []string{"suspend", "--app", "demo", "ep-1", "--tenant", "acme"},
			func(m *cli.Manage, got *string) *cobra.Command {
				return newEndpointsStatusCmd(m, "suspend", "", api.StatusSuspended, func(_ context.Context, o *endpointsStatusOptions) error {
					*got = fmt.Sprintf("%s %s %s %s %s", o.app, o.endpointID, o.status, o.Tenant, o.Format)
					return nil
				})
			}, "demo ep-1 suspended acme table"},
		{"basic create", "pw\r\nrest\n", []string{"create", "--username", "u", "--password-stdin"},
			func(m *cli.Manage, got *string) *cobra.Command {
				return newBasicCreateCmd(m, func(_ context.Context, o *credCreateOptions[api.BasicSpec]) error {
					*got = o.spec.Username + " " + o.spec.Password
					return nil
				})
			}, "u pw"},
		{"cert add", "PEM DATA", []string{"add", "--pem", "-"},
			func(m *cli.Manage, got *string) *cobra.Command {
				return newCertAddCmd(m, func(_ context.Context, o *credCreateOptions[api.CertSpec]) error {
					*got = o.spec.PEM
					return nil
				})
			}, "PEM DATA"},
		{"blobs ls", "", []string{"ls", "--app", "demo", "--asc", "--limit", "7", "--endpoint", "ep"},
			func(m *cli.Manage, got *string) *cobra.Command {
				return newBlobsLsCmd(&blobsGroup{Manage: m}, func(_ context.Context, o *blobsLsOptions) error {
					*got = fmt.Sprintf("%s %+v", o.app, o.query)
					return nil
				})
			}, "demo {EndpointID:ep Limit:7 All:false Asc:true}"},
		{"blobs get", "", []string{"get", "--app", "demo", "--endpoint", "ep", "b1", "-O", "f", "--bcx-url", "http://bcx"},
			func(m *cli.Manage, got *string) *cobra.Command {
				return newBlobsGetCmd(&blobsGroup{Manage: m}, func(_ context.Context, o *blobOptions) error {
					*got = fmt.Sprintf("%s %s %s %s %s", o.app, o.endpointID, o.id, o.outFile, o.BCXURL)
					return nil
				})
			}, "demo ep b1 f http://bcx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			group := &cobra.Command{Use: "group", SilenceErrors: true, SilenceUsage: true}
			m := newManageGroup(output.New(strings.NewReader(tt.stdin), &bytes.Buffer{}, &bytes.Buffer{}), group)
			group.AddCommand(tt.cmd(m, &got))
			group.SetArgs(tt.args)
			if err := group.Execute(); err != nil || got != tt.want {
				t.Errorf("options %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestManageExitCodes(t *testing.T) {
	t.Setenv("KAA_DATA_DIR", t.TempDir()) // no admin.token there
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"apps", "--help"}, 0},
		{[]string{"apps", "ls", "--help"}, 0},
		{[]string{"apps", "create"}, 2},
		{[]string{"apps", "frobnicate"}, 2},
		{[]string{"credentials", "basic", "frobnicate"}, 2},
		{[]string{"endpoints", "ls"}, 2},
		{[]string{"blobs", "get", "--app", "demo", "x"}, 2},
		{[]string{"blobs", "ls", "--app", "demo", "--limit", "0"}, 2},
		{[]string{"credentials", "cert", "add"}, 2},
		{[]string{"credentials", "basic", "create", "--username", "u"}, 2},
		{[]string{"apps", "ls", "-o", "xml", "--token", "t"}, 2},
		{[]string{"apps", "ls"}, 1}, // no token
		{[]string{"apps", "ls", "--token", "t", "--provider-url", "http://127.0.0.1:1"}, 1},
	}
	for _, tt := range tests {
		if got := run(tt.args); got != tt.code {
			t.Errorf("kaactl %s: exit %d, want %d", strings.Join(tt.args, " "), got, tt.code)
		}
	}
}
