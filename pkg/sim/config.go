package sim

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kaactl/kaactl/internal/output"
	"github.com/spf13/pflag"
)

// Config is what a user configures for a run: the flags of kaactl sim.
// BindFlags defines them, Validate checks them (its errors are the user's
// mistakes: a command reports them as usage errors) and Prepare does the I/O
// a run needs first (tokens file, client TLS, provisioning) and returns the
// engine's Options.
type Config struct {
	// Options holds what flags set directly (URL, Endpoints, rates, ...) and
	// what Validate derives (Scenario, BlobSize, Tokens, Credentials).
	Options

	ScenarioSpec string // kp, upload, connect, or a weighted mix like kp=80,upload=20
	TokenPattern string // token of endpoint n: a fmt pattern with one integer verb
	TokensFile   string // tokens, one per line or CSV with the token first (overrides TokenPattern)
	BlobSizeSpec string // bytes per upload, with an optional KiB/MiB/GiB suffix

	CAFile     string // PEM CA bundle trusted for a TLS URL and an https BCX URL
	CertFile   string // client certificate every endpoint presents
	KeyFile    string // its private key
	X509       bool   // each endpoint presents a certificate of its own, derived from its token
	X509CA     string // CA certificate (PEM) signing the X509 certificates; "" self-signs them
	X509CAKey  string // its private key
	Username   string // MQTT username of endpoint n (a %d is replaced by n)
	Password   string // MQTT password of endpoint n (a %d is replaced by n)
	Insecure   bool   // do not verify KPC's certificate
	KPCRESTURL string // KPC's management API, whose /api/v1/cert is trusted without CAFile

	Provision   string // auto, always or never (see Prepare)
	Application string // of the endpoints (default DefaultApp, created on demand); AppVersion defaults to <Application>-v1
	Cleanup     bool   // after the run, delete the endpoints it provisioned and the blobs it uploaded (Config.CleanUp)
	ProviderURL string // credential provider REST API
	AdminToken  string // admin bearer token for provisioning
	DataDir     string // data dir of kaactl up, where its admin token lives
	Tenant      string // of the application when provisioning

	Output      output.Format // report format: table, json or yaml
	FailOn      string        // conditions that fail the run, e.g. p99>200ms,errors>0.1%
	NoDashboard bool          // a progress line even on a terminal

	// ReadAdminToken finds the admin token for provisioning: AdminToken, or
	// the one kaactl up keeps in DataDir. The command sets it; without it
	// only AdminToken is used.
	ReadAdminToken func() (string, error)
	// ProvisionProgress, if set, shows how provisioning goes (see
	// ProvisionOptions.Progress).
	ProvisionProgress func(done, total int)

	flags      *pflag.FlagSet // of BindFlags: which flags were given
	failOn     FailOn
	created    []string    // IDs of the endpoints provisioning created, for CleanUp
	bcxTLSConf *tls.Config // of Prepare, for CleanUp
	deviceCA   *DeviceCA   // of --x509-ca, loaded by Prepare
}

// DefaultApp is the simulator's own application: it is created when a run
// provisions into it and it does not exist, so that simulated endpoints and
// their blobs stay out of the applications people use.
const DefaultApp = "sim"

// FlagDefaults are the defaults BindFlags takes from its caller: where a
// kaactl up on this machine keeps its data and serves its provider API.
type FlagDefaults struct {
	DataDir     string
	ProviderURL string
}

// BindFlags defines the flags of kaactl sim on fs, bound to c's fields.
func (c *Config) BindFlags(fs *pflag.FlagSet, d FlagDefaults) {
	c.flags = fs
	fs.StringVar(&c.URL, "url", "tcp://127.0.0.1:1883", "KPC address; its scheme picks the transport (tcp, mqtts, ws, wss, http, https)")
	fs.StringVar(&c.URL, "mqtt-url", "tcp://127.0.0.1:1883", "alias of --url")
	_ = fs.MarkHidden("mqtt-url")
	fs.IntVar(&c.Endpoints, "endpoints", 10, "simulated endpoints (one connection each)")
	fs.StringVar(&c.ScenarioSpec, "scenario", "kp", "kp, upload, connect, or a weighted mix like kp=80,upload=20")
	fs.StringVar(&c.TokenPattern, "token-pattern", "sim-%d", "endpoint token of endpoint n (fmt pattern with %d)")
	fs.StringVar(&c.TokensFile, "tokens-file", "", "endpoint tokens, one per line or CSV with the token first (overrides --token-pattern)")
	fs.StringVar(&c.Application, "app", DefaultApp, "application of the endpoints (provisioned into it; "+DefaultApp+" is created when missing)")
	fs.StringVar(&c.Application, "application", DefaultApp, "alias of --app")
	_ = fs.MarkHidden("application")
	fs.StringVar(&c.AppVersion, "app-version", "", "application version in topics (default: <app>-v1)")
	fs.StringVar(&c.Extension, "ext", "echo", "extension instance of kp requests")
	fs.StringVar(&c.Resource, "resource", "ping", "resource path of kp requests")
	fs.Uint8Var(&c.QoS, "qos", 1, "MQTT QoS of requests (0 or 1)")
	fs.IntVar(&c.PayloadSize, "payload-size", 256, "kp request payload bytes")
	fs.StringVar(&c.Payload, "payload", "", "kp request payload (overrides --payload-size); {{endpoint}}, {{token}}, {{seq}}, {{time}} are replaced, e.g. '{\"n\":{{seq}},\"ts\":{{time}}}'")
	fs.Float64Var(&c.ConnectRate, "connect-rate", 0, "connections per second during the ramp (0: all at once)")
	fs.Float64Var(&c.Rate, "rate", 0, "kp requests per second per endpoint (0: closed loop, next request on reply)")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "run length after the ramp")
	fs.IntVar(&c.Requests, "requests", 0, "stop after this many requests and uploads (with --duration too: whichever comes first)")
	fs.DurationVar(&c.Timeout, "timeout", 5*time.Second, "deadline of each 1/KP reply and each connect")
	fs.StringVar(&c.BCXURL, "bcx-url", "http://127.0.0.1:8090", "BCX REST API base URL (upload scenario)")
	fs.StringVar(&c.BCXExtension, "bcx-ext", "bcx", "BCX extension instance in 1/KP topics (upload tokens)")
	fs.StringVar(&c.BlobSizeSpec, "blob-size", "64KiB", "bytes per upload (suffixes KiB, MiB, GiB)")
	fs.Float64Var(&c.UploadRate, "upload-rate", 0, "uploads per second per endpoint (0: closed loop)")
	fs.DurationVar(&c.UploadTimeout, "upload-timeout", time.Minute, "deadline of each upload")
	fs.BoolVar(&c.Reconnect, "reconnect", false, "endpoints that lose their connection connect again with backoff (soak tests across restarts); otherwise they stop")
	fs.DurationVar(&c.Hold, "hold", time.Second, "connect scenario: how long a connection stays up before it churns")
	fs.StringVar(&c.CAFile, "ca", "", "PEM CA bundle to trust for mqtts/wss/https KPC and an https --bcx-url (default: KPC's cert from --kpc-rest-url; system roots for BCX)")
	fs.StringVar(&c.CertFile, "cert", "", "client certificate (PEM) every endpoint presents on mqtts/wss/https (X.509 client auth)")
	fs.StringVar(&c.KeyFile, "key", "", "private key (PEM) of --cert")
	fs.BoolVar(&c.X509, "x509", false, "give each endpoint its own client certificate, derived from its token (test credentials; provisioned as X.509 credentials); needs a TLS --url")
	fs.StringVar(&c.X509CA, "x509-ca", "", "sign the --x509 certificates with this CA (PEM), the one KPC's --client-ca trusts (default: self-signed, which such a KPC refuses)")
	fs.StringVar(&c.X509CAKey, "x509-ca-key", "", "private key (PEM) of --x509-ca")
	fs.StringVar(&c.Username, "username", "", "MQTT username of endpoint n, <username>@<tenantId> (@--tenant when missing; basic credentials; a %d is replaced by n)")
	fs.StringVar(&c.Password, "password", "", "MQTT password of endpoint n (a %d is replaced by n; at least 16 bytes to be provisioned)")
	fs.BoolVar(&c.Insecure, "insecure", false, "do not verify KPC's TLS certificate (tests only)")
	fs.StringVar(&c.KPCRESTURL, "kpc-rest-url", "http://127.0.0.1:8008", "KPC management API, where /api/v1/cert serves its TLS cert")
	fs.StringVar(&c.Provision, "provision", "auto", "register the endpoint tokens through the provider API first: auto (if an admin token is at hand and KPC is local or --provider-url is set), always, never")
	fs.BoolVar(&c.Cleanup, "cleanup", false, "after the run, delete the endpoints it provisioned and the blobs it uploaded")
	fs.StringVar(&c.ProviderURL, "provider-url", d.ProviderURL, "credential provider REST API base URL (provisioning)")
	fs.StringVar(&c.AdminToken, "admin-token", "", "admin bearer token of the provider and BCX APIs (default: the contents of <data-dir>/admin.token)")
	fs.StringVar(&c.DataDir, "data-dir", d.DataDir, "data dir of kaactl up, where admin.token lives")
	fs.StringVar(&c.Tenant, "tenant", "kaa", "tenant of the application when provisioning")
	fs.VarP(&c.Output, "output", "o", "report format: table, json or yaml")
	fs.StringVar(&c.FailOn, "fail-on", "", `exit 1 when one of these holds, e.g. "p99>200ms,errors>0.1%" (metrics: p50 p90 p99 max upload_p50 upload_p99 connect_p99 errors rps mbps); without it any error fails the run`)
	fs.BoolVar(&c.NoDashboard, "no-dashboard", false, "print a progress line instead of the live dashboard, even on a terminal")
}

// FlagValues are the values of the flags that have a few, for shell
// completion.
func FlagValues() map[string][]string {
	return map[string][]string{
		"scenario":  {"kp", "upload", "connect", "kp=80,upload=20", "kp=80,upload=15,connect=5"},
		"output":    {"table", "json", "yaml"},
		"provision": {"auto", "always", "never"},
	}
}

// changed reports whether the flag name was given (false without BindFlags).
func (c *Config) changed(name string) bool { return c.flags != nil && c.flags.Changed(name) }

var versionSuffix = regexp.MustCompile(`-v[0-9]+$`)

// Validate checks the configuration and fills the Options it derives. It
// does no I/O, so a mistake is reported before anything is dialed.
func (c *Config) Validate() error {
	if c.Requests > 0 && !c.changed("duration") {
		c.Duration = 0 // --requests alone: run until they are done
	}
	switch {
	case c.Endpoints < 1:
		return fmt.Errorf("--endpoints %d: want at least 1", c.Endpoints)
	case c.QoS > 1:
		return fmt.Errorf("--qos %d: want 0 or 1", c.QoS)
	case c.Rate < 0 || c.UploadRate < 0 || c.ConnectRate < 0:
		return errors.New("--rate, --upload-rate and --connect-rate cannot be negative")
	case c.Requests < 0 || c.Duration < 0:
		return errors.New("--requests and --duration cannot be negative")
	case c.Timeout <= 0 || c.UploadTimeout <= 0 || c.Hold <= 0:
		return errors.New("--timeout, --upload-timeout and --hold must be positive")
	case c.PayloadSize < 1:
		return fmt.Errorf("--payload-size %d: want at least 1", c.PayloadSize)
	}
	mix, err := ParseMix(c.ScenarioSpec)
	if err != nil {
		return fmt.Errorf("--scenario: %w", err)
	}
	c.Scenario = mix
	n, err := parseSize(c.BlobSizeSpec)
	if err != nil || n <= 0 || n > 1<<31 {
		return fmt.Errorf("--blob-size %q: want bytes, e.g. 65536, 64KiB, 16MiB (at most 2GiB)", c.BlobSizeSpec)
	}
	c.BlobSize = int(n)
	if err := CheckPayloadTemplate(c.Payload); err != nil {
		return fmt.Errorf("--payload: %w", err)
	}
	switch c.Provision {
	case "auto", "always", "never":
	default:
		return fmt.Errorf("--provision %q: want auto, always or never", c.Provision)
	}
	if c.Application == "" {
		return errors.New("--app: want an application name")
	}
	if versionSuffix.MatchString(c.Application) && !c.changed("app-version") {
		// --app was the version before it was the application.
		return fmt.Errorf("--app %q looks like an application version: --app is the application (e.g. --app %s), --app-version its version",
			c.Application, versionSuffix.ReplaceAllString(c.Application, ""))
	}
	if c.AppVersion == "" {
		c.AppVersion = c.Application + "-v1"
	}
	if c.TokensFile == "" {
		if a, b := fmt.Sprintf(c.TokenPattern, 0), fmt.Sprintf(c.TokenPattern, 1); a == b || strings.Contains(a, "%!") {
			return fmt.Errorf("--token-pattern %q: needs one integer verb (%%d, %%05d) for the endpoint number", c.TokenPattern)
		}
		pattern := c.TokenPattern
		c.Tokens = func(i int) string { return fmt.Sprintf(pattern, i) }
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return errors.New("--cert and --key go together")
	}
	if c.X509 && c.CertFile != "" {
		return errors.New("--x509 and --cert: one or the other")
	}
	if (c.X509CA == "") != (c.X509CAKey == "") {
		return errors.New("--x509-ca and --x509-ca-key go together")
	}
	if c.X509CA != "" && !c.X509 {
		return errors.New("--x509-ca signs the certificates of --x509: give --x509 too")
	}
	if c.X509 && !isTLSURL(c.URL) {
		return fmt.Errorf("--x509: client certificates need a TLS URL (mqtts, wss, https), not %s", c.URL)
	}
	if c.Password != "" && c.Username == "" {
		return errors.New("--password needs --username")
	}
	if c.Username != "" {
		// KPC's MQTT user names are <username>@<tenantId> (22/CAP).
		user, pass := c.Username, c.Password
		if !strings.Contains(user, "@") {
			user += "@" + c.Tenant
		}
		c.Credentials = func(i int) (string, string) { return expandN(user, i), expandN(pass, i) }
	}
	if _, err := url.Parse(c.URL); err != nil {
		return fmt.Errorf("--url: %w", err)
	}
	if c.failOn, err = ParseFailOn(c.FailOn); err != nil {
		return err
	}
	return nil
}

// expandN replaces %d in a credential pattern with the endpoint number.
func expandN(pattern string, i int) string {
	return strings.ReplaceAll(pattern, "%d", strconv.Itoa(i))
}

// parseSize reads a byte count with an optional KiB/MiB/GiB suffix.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
			return v * u.mult, err
		}
	}
	return strconv.ParseInt(s, 10, 64)
}
