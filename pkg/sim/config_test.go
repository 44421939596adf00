package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// parseConfig binds a Config's flags, parses args and validates them.
func parseConfig(t *testing.T, args ...string) (*Config, error) {
	t.Helper()
	c := &Config{}
	fs := pflag.NewFlagSet("sim", pflag.ContinueOnError)
	c.BindFlags(fs, FlagDefaults{DataDir: t.TempDir(), ProviderURL: "http://127.0.0.1:8070"})
	if err := fs.Parse(args); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return c, c.Validate()
}

// TestConfigFlags: what the flags make of the options.
func TestConfigFlags(t *testing.T) {
	tests := []struct {
		args        []string
		duration    time.Duration
		token0      string
		application string
	}{
		{[]string{"--requests", "300"}, 0, "sim-0", "demo"}, // a budget alone runs until it is spent
		{[]string{"--requests", "300", "--duration", "5s"}, 5 * time.Second, "sim-0", "demo"},
		{[]string{}, 10 * time.Second, "sim-0", "demo"},
		{[]string{"--token-pattern", "dev-%05d", "--app", "fleet-v12"}, 10 * time.Second, "dev-00000", "fleet"},
		{[]string{"--app", "fleet-v2", "--application", "other"}, 10 * time.Second, "sim-0", "other"},
	}
	for _, tt := range tests {
		c, err := parseConfig(t, tt.args...)
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if c.Duration != tt.duration || c.Tokens(0) != tt.token0 || c.Application != tt.application {
			t.Errorf("%v: duration %v token %q application %q, want %v %q %q",
				tt.args, c.Duration, c.Tokens(0), c.Application, tt.duration, tt.token0, tt.application)
		}
	}
	c, err := parseConfig(t, "--scenario", "kp=3,upload=1", "--blob-size", "2MiB", "--username", "dev-%d", "--password", "pw-%d")
	if err != nil {
		t.Fatal(err)
	}
	if user, pass := c.Credentials(7); c.Scenario.String() != "kp=3,upload=1" || c.BlobSize != 2<<20 || user != "dev-7@kaa" || pass != "pw-7" {
		t.Errorf("scenario %v blob size %d credentials %q %q", c.Scenario, c.BlobSize, user, pass)
	}
	if c, err = parseConfig(t, "--username", "gw-%d@acme", "--password", "pw-%d"); err != nil {
		t.Fatal(err)
	} else if user, _ := c.Credentials(1); user != "gw-1@acme" {
		t.Errorf("username with its tenant: %q", user)
	}
}

// TestConfigValidate: each mistake is refused, before anything is dialed,
// with a message that names the flag.
func TestConfigValidate(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--fail-on", "p99>>1"}, `fail-on "p99>>1"`},
		{[]string{"--scenario", "kp=1,dance=2"}, `--scenario: scenario "dance"`},
		{[]string{"--blob-size", "lots"}, `--blob-size "lots": want bytes`},
		{[]string{"--blob-size", "3GiB"}, "at most 2GiB"},
		{[]string{"--provision", "maybe"}, `--provision "maybe": want auto, always or never`},
		{[]string{"--token-pattern", "fixed"}, `--token-pattern "fixed": needs one integer verb`},
		{[]string{"--token-pattern", "dev-%s"}, `--token-pattern "dev-%s"`},
		{[]string{"-o", "yaml"}, `-o "yaml": want table or json`},
		{[]string{"--cert", "c.pem"}, "--cert and --key go together"},
		{[]string{"--url", "mqtts://h:8883", "--x509", "--cert", "c.pem", "--key", "k.pem"}, "--x509 and --cert: one or the other"},
		{[]string{"--x509"}, "--x509: client certificates need a TLS URL (mqtts, wss, https), not tcp://127.0.0.1:1883"},
		{[]string{"--password", "x"}, "--password needs --username"},
		{[]string{"--payload", "{{nope}}"}, "--payload: "},
		{[]string{"--endpoints", "0"}, "--endpoints 0: want at least 1"},
		{[]string{"--qos", "2"}, "--qos 2: want 0 or 1"},
		{[]string{"--rate", "-1"}, "cannot be negative"},
		{[]string{"--timeout", "0s"}, "must be positive"},
		{[]string{"--requests", "-5"}, "--requests and --duration cannot be negative"},
		{[]string{"--payload-size", "0"}, "--payload-size 0: want at least 1"},
		{[]string{"--url", "tcp://h:1:2:%zz"}, "--url: "},
	}
	for _, tt := range tests {
		if _, err := parseConfig(t, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err %v, want %q", tt.args, err, tt.want)
		}
	}
}

func TestConfigFailed(t *testing.T) {
	c, err := parseConfig(t, "--fail-on", "errors>0")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Failed(Report{Requests: 10, Errors: map[string]int64{"timeout": 1}}); len(got) != 1 || got[0] != "errors>0 (actual 1)" {
		t.Errorf("failed %q", got)
	}
	if got := c.Failed(Report{Requests: 10}); len(got) != 0 {
		t.Errorf("a clean run failed %q", got)
	}
}
