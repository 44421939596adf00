package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/api"
)

// TestTenantsPolicy: `kaactl tenants policy set` stores the policy in the
// provider, KPC applies it, and `kaactl up` applies it again after a
// restart; bad flags are usage errors before anything is dialed.
func TestTenantsPolicy(t *testing.T) {
	dir := t.TempDir()
	p, _, stop := startUp(t, dir)
	conn := []string{"--provider-url", "http://" + p.Provider.RESTAddr(), "--data-dir", dir}
	out, errOut, err := execute(t, append([]string{"tenants", "policy", "set", "kaa", "--transport", "tcp", "--basic-auth", "required"}, conn...)...)
	if err != nil || out != "tcp\trequired\toptional\ntls\toptional\toptional\nws\toptional\toptional\n" {
		t.Fatalf("set: %v %q %q", err, out, errOut)
	}
	if errOut != "" {
		t.Errorf("set for kaa wrote to stderr: %q", errOut)
	}
	// A tenant the provider knows nothing of: stored, with a warning on stderr.
	out, errOut, err = execute(t, append([]string{"tenants", "policy", "set", "kaaa", "--transport", "tcp", "--basic-auth", "required"}, conn...)...)
	if err != nil || !strings.HasPrefix(out, "tcp\trequired") || !strings.Contains(errOut, `warning: tenant "kaaa" has no applications or credentials`) {
		t.Fatalf("set for an unknown tenant: %v %q %q", err, out, errOut)
	}
	out, _, err = execute(t, append([]string{"tenants", "policy", "get", "-o", "json"}, conn...)...)
	var cfg api.TenantConfig
	if err != nil || json.Unmarshal([]byte(out), &cfg) != nil || !cfg.Auth("tcp").BasicAuth.Required {
		t.Fatalf("get: %v %q", err, out)
	}
	for _, bad := range [][]string{
		{"set", "--basic-auth", "required"},
		{"set", "--transport", "udp", "--basic-auth", "required"},
		{"set", "--transport", "tcp", "--basic-auth", "maybe"},
		{"set", "--transport", "tcp", "--x509-auth", "required"},
		{"get", "a", "b"},
	} {
		_, _, err := execute(t, append(append([]string{"tenants", "policy"}, bad...), "--provider-url", "http://127.0.0.1:1", "--token", "x")...)
		if err == nil || !cli.IsUsage(err) {
			t.Errorf("%v: %v, want a usage error", bad, err)
		}
	}
	stop()

	// After a restart KPC still requires it: up's applications are all
	// tenant kaa's, so an anonymous client is refused at CONNECT.
	p, _, stop = startUp(t, dir)
	defer stop()
	if _, err := testenv.DialMQTT("tcp://"+p.KPC.MQTTAddr(), "anonymous", nil); err == nil || !strings.Contains(err.Error(), "not Authorized") {
		t.Errorf("anonymous connect after a restart: %v", err)
	}
}
