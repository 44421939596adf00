package sim

import (
	"errors"
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
		args                    []string
		duration                time.Duration
		token0                  string
		application, appVersion string
	}{
		{[]string{"--requests", "300"}, 0, "sim-0", "sim", "sim-v1"}, // a budget alone runs until it is spent
		{[]string{"--requests", "300", "--duration", "5s"}, 5 * time.Second, "sim-0", "sim", "sim-v1"},
		{[]string{}, 10 * time.Second, "sim-0", "sim", "sim-v1"},
		{[]string{"--token-pattern", "dev-%05d", "--app", "fleet"}, 10 * time.Second, "dev-00000", "fleet", "fleet-v1"},
		{[]string{"--app", "fleet", "--app-version", "fleet-v12"}, 10 * time.Second, "sim-0", "fleet", "fleet-v12"},
		{[]string{"--app", "lab-v2", "--app-version", "x"}, 10 * time.Second, "sim-0", "lab-v2", "x"}, // a name like a version, said so
		{[]string{"--application", "other"}, 10 * time.Second, "sim-0", "other", "other-v1"},          // the old name of --app
	}
	for _, tt := range tests {
		c, err := parseConfig(t, tt.args...)
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if c.Duration != tt.duration || c.Tokens(0) != tt.token0 || c.Application != tt.application || c.AppVersion != tt.appVersion {
			t.Errorf("%v: duration %v token %q application %q version %q, want %v %q %q %q",
				tt.args, c.Duration, c.Tokens(0), c.Application, c.AppVersion, tt.duration, tt.token0, tt.application, tt.appVersion)
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
		{[]string{"--app", "demo-v1"}, `--app "demo-v1" looks like an application version: --app is the application (e.g. --app demo), --app-version its version`},
		{[]string{"--app", ""}, "--app: want an application name"},
	}
	for _, tt := range tests {
		if _, err := parseConfig(t, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err %v, want %q", tt.args, err, tt.want)
		}
	}
}

// TestVerdict: which reports fail a run, and the one line that says why.
func TestVerdict(t *testing.T) {
	ok := Report{Endpoints: 10, Connected: 10, Requests: 100, OK: 100, LatencyP99: 212 * time.Millisecond}
	with := func(f func(*Report)) Report {
		r := ok
		r.Errors, r.ErrorSamples = map[string]int64{}, map[string]string{}
		f(&r)
		return r
	}
	tests := []struct {
		name string
		args []string
		rep  Report
		want string // "" passes; else the error's text, which wraps kind
		kind error
	}{
		{"clean", nil, ok, "", nil},
		{"interrupted", []string{"--fail-on", "errors>100"}, with(func(r *Report) { r.Interrupted = true }),
			"run interrupted: the report is of the run so far", ErrInterrupted},
		{"connect failures", []string{"--fail-on", "errors>100%"}, with(func(r *Report) {
			r.Endpoints, r.Connected, r.NeverConnected, r.ConnectFailures = 5000, 1015, 3985, 3985
			r.Errors["connect"], r.ErrorSamples["connect"] = 3985, "dial tcp: too many open files"
		}), "run failed: 3,985 of 5,000 endpoints failed to connect: dial tcp: too many open files", ErrRunFailed},
		{"refused at connect", nil, with(func(r *Report) {
			r.NeverConnected, r.Errors["auth_bad_credentials"], r.ErrorSamples["auth_bad_credentials"] = 2, 2, "not authorized"
		}), "run failed: 2 of 10 endpoints failed to connect: not authorized", ErrRunFailed},
		{"lost connections", nil, with(func(r *Report) {
			r.Lost, r.Errors["disconnected"], r.ErrorSamples["disconnected"] = 200, 200, "connection lost: EOF"
		}), "run failed: 200 connections were lost (--reconnect connects again): connection lost: EOF", ErrRunFailed},
		{"lost with --reconnect", []string{"--reconnect"}, with(func(r *Report) { r.Lost, r.Errors["disconnected"] = 200, 200 }), "", nil},
		{"churn failures", []string{"--scenario", "connect"}, with(func(r *Report) { r.ConnectFailures, r.Errors["connect"] = 2, 2 }),
			"run failed: 2 reconnects failed", ErrRunFailed},
		{"errors without --fail-on", nil, with(func(r *Report) {
			r.Errors["timeout"], r.Errors["status_404"], r.ErrorSamples["timeout"] = 10, 2, "no reply within 5s"
		}), "run failed: 12 errors (timeout 10, status_404 2): no reply within 5s (--fail-on sets what a run may have)", ErrRunFailed},
		{"errors --fail-on allows", []string{"--fail-on", "errors>20"}, with(func(r *Report) { r.Errors["timeout"] = 10 }), "", nil},
		{"fail-on holds", []string{"--fail-on", "p99>200ms,errors>1%"}, with(func(r *Report) { r.Errors["timeout"] = 2 }),
			"run failed: p99 212ms > 200ms, errors 2% > 1%", ErrRunFailed},
		{"fail-on passes", []string{"--fail-on", "p99>300ms"}, ok, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(t, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Verdict(tt.rep)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("failed: %v", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want || !errors.Is(err, tt.kind)):
				t.Errorf("verdict %v, want %q (%v)", err, tt.want, tt.kind)
			}
		})
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 3985: "3,985", 1234567: "1,234,567", -5000: "-5,000"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
