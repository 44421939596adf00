package sim

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIsLoopbackURL(t *testing.T) {
	for url, want := range map[string]bool{
		"tcp://127.0.0.1:1883": true, "mqtts://localhost:8883": true, "ws://[::1]:8081/ws": true, "http://127.0.0.2:8080": true,
		"tcp://kpc.example.com:1883": false, "tcp://10.0.0.5:1883": false, "://": false,
	} {
		if got := isLoopbackURL(url); got != want {
			t.Errorf("isLoopbackURL(%q) = %v, want %v", url, got, want)
		}
	}
}

// TestProvisionDecision: when Prepare asks the provider and what it says,
// with no provider listening (a provider that answers is the command
// tests' job).
func TestProvisionDecision(t *testing.T) {
	const down = "http://127.0.0.1:1" // nothing listens there
	tests := []struct {
		name   string
		args   []string
		token  string // admin token at hand
		stderr string // "" for silence
		err    string
	}{
		{"never", []string{"--provision", "never"}, "t", "", ""},
		{"auto without a token", nil, "", "", ""},
		{"auto against a remote KPC", []string{"--url", "tcp://kpc.example.com:1883"}, "t", "", ""},
		{"auto, provider down", nil, "t", "not provisioning endpoints: provider at " + down + ": ", ""},
		{"auto against a remote KPC with --provider-url", []string{"--url", "tcp://kpc.example.com:1883", "--provider-url", down}, "t", "not provisioning endpoints", ""},
		{"always without a token", []string{"--provision", "always"}, "", "", "no admin token"},
		{"always, provider down", []string{"--provision", "always"}, "t", "", "provider at " + down + ": "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(t, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			c.ProviderURL = down // as a default: --provider-url still counts as not given
			c.ReadAdminToken = func() (string, error) {
				if tt.token == "" {
					return "", errors.New("no admin token")
				}
				return tt.token, nil
			}
			var stderr bytes.Buffer
			_, err = c.Prepare(context.Background(), &stderr)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("err %v, want %q", err, tt.err)
			}
			if got := stderr.String(); tt.stderr == "" && got != "" || !strings.Contains(got, tt.stderr) {
				t.Errorf("stderr %q, want %q", got, tt.stderr)
			}
		})
	}
}

// TestPrepare: what Prepare builds from tokens files, TLS and certificate
// flags, and how it fails.
func TestPrepare(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	_, caPEM, err := EndpointCert("ca")
	if err != nil {
		t.Fatal(err)
	}
	ca, tokens, notPEM := write("ca.pem", string(caPEM)), write("tokens.csv", "token\nt-a\nt-b\n"), write("x.pem", "x")
	prepare := func(args ...string) (Options, error) {
		t.Helper()
		c, err := parseConfig(t, append([]string{"--provision", "never"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		return c.Prepare(context.Background(), &bytes.Buffer{})
	}

	o, err := prepare("--tokens-file", tokens, "--endpoints", "2", "--url", "mqtts://127.0.0.1:8883", "--x509", "--ca", ca, "--bcx-url", "https://bcx:8090")
	if err != nil {
		t.Fatal(err)
	}
	if o.Tokens(1) != "t-b" || o.TLS == nil || o.TLS.RootCAs == nil || o.TLS.ServerName != "127.0.0.1" || o.BCXTLS == nil || o.BCXTLS.RootCAs == nil {
		t.Errorf("tokens %q TLS %+v BCX TLS %+v", o.Tokens(1), o.TLS, o.BCXTLS)
	}
	if cert, err := o.ClientCert(1); err != nil || cert.Leaf.Subject.CommonName != "t-b" {
		t.Errorf("client cert of endpoint 1: %v %v", cert.Leaf.Subject, err)
	}
	if o, err := prepare("--url", "wss://127.0.0.1:8081/ws", "--insecure"); err != nil || !o.TLS.InsecureSkipVerify || o.BCXTLS != nil {
		t.Errorf("--insecure: %+v %v", o.TLS, err)
	}
	if o, err := prepare(); err != nil || o.TLS != nil || o.BCXTLS != nil || o.ClientCert != nil {
		t.Errorf("plain MQTT: %+v %v", o, err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--tokens-file", tokens, "--endpoints", "3"}, "has 2 tokens for 3 endpoints"},
		{[]string{"--url", "mqtts://127.0.0.1:8883", "--kpc-rest-url", "http://127.0.0.1:1"}, "no --ca given and KPC's certificate could not be fetched: "},
		{[]string{"--url", "mqtts://127.0.0.1:8883", "--ca", notPEM}, "--ca: no PEM certificate found"},
		{[]string{"--bcx-url", "https://bcx:8090", "--ca", filepath.Join(dir, "none")}, "--ca: "},
		{[]string{"--cert", ca, "--key", ca}, "--cert needs a TLS --url (mqtts://, wss://, https://), not tcp://"},
		{[]string{"--url", "https://127.0.0.1:8443", "--cert", ca, "--key", notPEM}, "--cert/--key: "},
	} {
		if _, err := prepare(tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err %v, want %q", tt.args, err, tt.want)
		}
	}
}
