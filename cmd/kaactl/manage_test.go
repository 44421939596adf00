package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/pkg/server/provider"
)

// executeIn is execute with stdin.
func executeIn(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd(ioStreams{in: strings.NewReader(stdin), out: &out, err: &errb})
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

// TestManage drives the management commands against `kaactl up` in-process.
func TestManage(t *testing.T) {
	dir := t.TempDir()
	p, _, stop := startUp(t, dir)
	defer stop()
	conn := []string{"--provider-url", "http://" + p.Provider.RESTAddr(), "--bcx-url", "http://" + p.BCX.RESTAddr(), "--token", p.AdminToken}
	kaactl := func(t *testing.T, args ...string) string {
		t.Helper()
		out, errOut, err := execute(t, append(args, conn...)...)
		if err != nil {
			t.Fatalf("kaactl %s: %v\n%s", strings.Join(args, " "), err, errOut)
		}
		return out
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
		out := kaactl(t, "apps", "ls")
		if !strings.HasPrefix(out, "NAME") || !strings.Contains(strings.SplitN(out, "\n", 2)[0], "VERSIONS") ||
			!strings.Contains(out, "thermo-v1,thermo-v2") || !strings.Contains(out, "demo") {
			t.Errorf("ls table:\n%s", out)
		}
		var apps []provider.App
		if err := json.Unmarshal([]byte(kaactl(t, "apps", "ls", "-o", "json")), &apps); err != nil || len(apps) != 2 {
			t.Fatalf("ls json: %v %+v", err, apps)
		}
		if err := fails(t, "", "apps", "create", "thermo"); !strings.Contains(err.Error(), "already exists") {
			t.Errorf("duplicate: %v", err)
		}
		if err := fails(t, "", "endpoints", "ls", "--app", "nope"); !strings.Contains(err.Error(), "not found") {
			t.Errorf("unknown app: %v", err)
		}
		if err := fails(t, "", "apps", "ls", "-o", "yaml"); !strings.Contains(err.Error(), "--output") {
			t.Errorf("bad -o: %v", err)
		}
	})

	t.Run("endpoints", func(t *testing.T) {
		out, errOut, err := execute(t, append([]string{"endpoints", "create", "--app", "demo", "--name", "kitchen"}, conn...)...)
		if err != nil || !strings.Contains(errOut, "not shown again") {
			t.Fatalf("create: %v %q", err, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "ENDPOINT ID") {
			t.Fatalf("create table:\n%s", out)
		}
		fields := strings.Fields(lines[1])
		epID, token := fields[0], fields[2]
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
		status := func() provider.Status {
			var eps []provider.Endpoint
			if err := json.Unmarshal([]byte(kaactl(t, "endpoints", "ls", "--app", "demo", "-o", "json")), &eps); err != nil {
				t.Fatal(err)
			}
			for _, e := range eps {
				if e.ID == epID {
					return e.Status
				}
			}
			t.Fatalf("endpoint %s not listed: %+v", epID, eps)
			return ""
		}
		if st := status(); st != provider.StatusActive {
			t.Errorf("status after use %q", st)
		}
		if out := kaactl(t, "endpoints", "ls", "--app", "demo"); !strings.HasPrefix(out, "ENDPOINT ID") || !strings.Contains(out, "kitchen") || strings.Contains(out, token) {
			t.Errorf("ls table (must not show the token):\n%s", out)
		}
		kaactl(t, "endpoints", "suspend", "--app", "demo", epID)
		if st := status(); st != provider.StatusSuspended {
			t.Errorf("status after suspend %q", st)
		}
		kaactl(t, "endpoints", "activate", "--app", "demo", epID)
		if out := kaactl(t, "endpoints", "revoke", "--app", "demo", epID); !strings.Contains(out, "revoked") {
			t.Errorf("revoke: %q", out)
		}
		if st := status(); st != provider.StatusRevoked {
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
		out, _, err := executeIn(t, "s3cret-pass\n", append([]string{"credentials", "basic", "create", "--username", "sensor-1", "--password-stdin", "-o", "json"}, conn...)...)
		var cred provider.BasicCredential
		if err != nil || json.Unmarshal([]byte(out), &cred) != nil || cred.ID == "" || cred.Username != "sensor-1" {
			t.Fatalf("create: %v %q", err, out)
		}
		out = kaactl(t, "credentials", "basic", "ls")
		if !strings.HasPrefix(out, "CREDENTIALS ID") || !strings.Contains(out, "sensor-1") || strings.Contains(out, "s3cret") {
			t.Errorf("ls:\n%s", out)
		}
		if err := fails(t, "again\n", "credentials", "basic", "create", "--username", "sensor-1", "--password-stdin"); !strings.Contains(err.Error(), "already exists") {
			t.Errorf("duplicate: %v", err)
		}
		_, errOut, err := execute(t, append([]string{"credentials", "basic", "create", "--username", "sensor-2", "--password", "other-pass"}, conn...)...)
		if err != nil || !strings.Contains(errOut, "shell history") {
			t.Errorf("--password: %v %q", err, errOut)
		}
		kaactl(t, "credentials", "basic", "revoke", cred.ID)
		var creds []provider.BasicCredential
		if err := json.Unmarshal([]byte(kaactl(t, "credentials", "basic", "ls", "-o", "json")), &creds); err != nil || len(creds) != 2 {
			t.Fatalf("ls json: %v %+v", err, creds)
		}
		for _, c := range creds {
			if c.ID == cred.ID && c.Status != provider.StatusRevoked {
				t.Errorf("status after revoke %q", c.Status)
			}
		}
	})

	t.Run("cert", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.pem")
		if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := fails(t, "", "credentials", "cert", "add", "--pem", bad); !strings.Contains(err.Error(), "invalid") {
			t.Errorf("bad PEM: %v", err)
		}
		good := filepath.Join(t.TempDir(), "device.pem")
		if err := os.WriteFile(good, selfSigned(t, "device-42", 4242), 0o600); err != nil {
			t.Fatal(err)
		}
		out := kaactl(t, "credentials", "cert", "add", "--pem", good)
		if !strings.HasPrefix(out, "CREDENTIALS ID") || !strings.Contains(out, "4242") {
			t.Errorf("add:\n%s", out)
		}
		kaactl(t, "credentials", "cert", "add", "--issuer", "CN=Other CA", "--serial", "77")
		out = kaactl(t, "credentials", "cert", "ls")
		if !strings.Contains(out, "device-42") || !strings.Contains(out, "CN=Other CA") {
			t.Errorf("ls:\n%s", out)
		}
		var creds []provider.CertCredential
		if err := json.Unmarshal([]byte(kaactl(t, "credentials", "cert", "ls", "-o", "json")), &creds); err != nil || len(creds) != 2 {
			t.Fatalf("ls json: %v %+v", err, creds)
		}
		if err := fails(t, "", "credentials", "cert", "add", "--pem", good); !strings.Contains(err.Error(), "already exists") {
			t.Errorf("duplicate: %v", err)
		}
		if out := kaactl(t, "credentials", "cert", "revoke", creds[0].ID); !strings.Contains(out, "revoked") {
			t.Errorf("revoke: %q", out)
		}
	})

	t.Run("blobs", func(t *testing.T) {
		if out := kaactl(t, "blobs", "ls", "--app", "demo"); strings.TrimSpace(out) != "ID  ENDPOINT  NAME  SIZE  CONTENT TYPE  CREATED" {
			t.Errorf("empty table: %q", out)
		}
		var page struct {
			Content       []json.RawMessage `json:"content"`
			TotalElements *int              `json:"totalElements"`
		}
		out := kaactl(t, "blobs", "ls", "--app", "demo", "-o", "json")
		if err := json.Unmarshal([]byte(out), &page); err != nil || page.Content == nil || len(page.Content) != 0 || page.TotalElements == nil || *page.TotalElements != 0 {
			t.Errorf("empty json: %v %s", err, out)
		}
		if err := fails(t, "", "blobs", "get", "--app", "demo", "--endpoint", "ep", "no-such-blob"); !strings.Contains(err.Error(), "not found") {
			t.Errorf("get unknown: %v", err)
		}
	})

	t.Run("token from data dir", func(t *testing.T) {
		out, _, err := execute(t, "apps", "ls", "--provider-url", "http://"+p.Provider.RESTAddr(), "--data-dir", dir)
		if err != nil || !strings.Contains(out, "demo") {
			t.Errorf("apps ls with the data dir's token: %v %q", err, out)
		}
		_, _, err = execute(t, "apps", "ls", "--provider-url", "http://"+p.Provider.RESTAddr(), "--token", "wrong")
		if err == nil || !strings.Contains(err.Error(), "unauthorized") {
			t.Errorf("wrong token: %v", err)
		}
	})
}

func TestManageExitCodes(t *testing.T) {
	t.Setenv("KAA_DATA_DIR", t.TempDir()) // no admin.token there
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"apps", "--help"}, 0},
		{[]string{"apps", "create"}, 2},
		{[]string{"apps", "frobnicate"}, 2},
		{[]string{"credentials", "basic", "frobnicate"}, 2},
		{[]string{"endpoints", "ls"}, 2},
		{[]string{"blobs", "get", "--app", "demo", "x"}, 2},
		{[]string{"credentials", "cert", "add"}, 2},
		{[]string{"credentials", "basic", "create", "--username", "u"}, 2},
		{[]string{"apps", "ls", "-o", "yaml", "--token", "t"}, 2},
		{[]string{"apps", "ls"}, 1}, // no token
		{[]string{"apps", "ls", "--token", "t", "--provider-url", "http://127.0.0.1:1"}, 1},
	}
	for _, tt := range tests {
		if got := run(tt.args); got != tt.code {
			t.Errorf("kaactl %s: exit %d, want %d", strings.Join(tt.args, " "), got, tt.code)
		}
	}
}

// selfSigned returns a PEM self-signed certificate.
func selfSigned(t *testing.T, cn string, serial int64) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
