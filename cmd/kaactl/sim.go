package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/server/provider"
	"github.com/kaactl/kaactl/pkg/sim"
)

type simOptions struct {
	sim.Options
	scenario     string
	tokenPattern string
	tokensFile   string
	payload      string
	blobSize     string
	caFile       string
	certFile     string
	keyFile      string
	username     string
	x509         bool
	password     string
	insecure     bool
	restURL      string
	provision    string
	application  string
	conn         connOptions // provider URL, admin token, data dir, tenant
	output       string
	failOn       string
	noDashboard  bool
	// providerURLSet: --provider-url was given (auto provisioning then
	// applies whatever KPC the run targets).
	providerURLSet bool
}

// errFailOn marks a run whose report breaks a --fail-on condition.
var errFailOn = errors.New("fail-on conditions not met")

func newSimCmd(io ioStreams, runF func(context.Context, *simOptions) error) *cobra.Command {
	o := &simOptions{}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Simulate a fleet of endpoints (1/KP requests, BCX uploads, connection churn) and report rates and latency",
		Long: `Simulate --endpoints devices, one connection each, against KPC and BCX.
Defaults match kaactl up, so against a running kaactl up this just works:

  kaactl sim --endpoints 500 --duration 10s

Transport: the scheme of --url: tcp:// or mqtt:// (MQTT), mqtts:// ssl:// tls://
(MQTT over TLS), ws:// wss:// (MQTT over WebSocket, e.g. ws://127.0.0.1:8081/ws),
http:// https:// (1/KP over HTTP, e.g. http://127.0.0.1:8080). TLS trusts --ca,
or else the certificate KPC serves at <--kpc-rest-url>/api/v1/cert.

Scenarios (--scenario, or a weighted mix such as kp=80,upload=15,connect=5):
  kp       requests kp1/<app>/<ext>/<token>/<resource>/<id> and times the replies
           (--rate per endpoint, or closed loop: next request on reply)
  upload   fetches a BCX upload token over 1/KP (again when BCX answers 403),
           uploads --blob-size blobs to --bcx-url at --upload-rate per endpoint
  connect  holds each connection for --hold, disconnects and connects again

Endpoint tokens come from --tokens-file (one per line, or CSV with the token in
the first column), or --token-pattern. --username/--password (patterns, %d is the
endpoint number) send MQTT basic credentials; --cert/--key present a client
certificate, --x509 a certificate of each endpoint's own (derived from its
token). --provision registers tokens (and credentials) through the
provider API first (auto: when an admin token is at hand, as with kaactl up,
and the KPC is on this machine or --provider-url is given).

On a terminal a live dashboard shows progress (q or Ctrl-C stops the run and
still prints the report); otherwise a progress line goes to stderr. The
report (table, or -o json) has connects/s, requests/s, p50/p90/p99/max latency
from a histogram, errors by kind, uploads and MB/s, and the simulator's own
CPU per operation, so you can tell when the simulator is the bottleneck.
--fail-on 'p99>200ms,errors>0.1%' exits 1 when a condition holds.`,
		Example: `  kaactl sim --endpoints 500 --duration 10s
  kaactl sim --scenario upload --endpoints 20 --blob-size 1MiB --upload-rate 2
  kaactl sim --url mqtts://127.0.0.1:8883 --scenario kp=90,connect=10 --rate 5
  kaactl sim --url http://127.0.0.1:8080 --requests 10000 -o json --fail-on 'p99>100ms,errors>0'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Requests > 0 && !cmd.Flags().Changed("duration") {
				o.Duration = 0 // --requests alone: run until they are done
			}
			if err := o.complete(); err != nil {
				return usageError{err}
			}
			o.providerURLSet = cmd.Flags().Changed("provider-url")
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runSim(cmd.Context(), io, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.URL, "url", "tcp://127.0.0.1:1883", "KPC address; its scheme picks the transport (tcp, mqtts, ws, wss, http, https)")
	f.StringVar(&o.URL, "mqtt-url", "tcp://127.0.0.1:1883", "alias of --url")
	_ = f.MarkHidden("mqtt-url")
	f.IntVar(&o.Endpoints, "endpoints", 10, "simulated endpoints (one connection each)")
	f.StringVar(&o.scenario, "scenario", "kp", "kp, upload, connect, or a weighted mix like kp=80,upload=20")
	f.StringVar(&o.tokenPattern, "token-pattern", "sim-%d", "endpoint token of endpoint n (fmt pattern with %d)")
	f.StringVar(&o.tokensFile, "tokens-file", "", "endpoint tokens, one per line or CSV with the token first (overrides --token-pattern)")
	f.StringVar(&o.AppVersion, "app", "demo-v1", "application version in topics")
	f.StringVar(&o.Extension, "ext", "echo", "extension instance of kp requests")
	f.StringVar(&o.Resource, "resource", "ping", "resource path of kp requests")
	f.Uint8Var(&o.QoS, "qos", 1, "MQTT QoS of requests (0 or 1)")
	f.IntVar(&o.PayloadSize, "payload-size", 256, "kp request payload bytes")
	f.StringVar(&o.payload, "payload", "", "kp request payload (overrides --payload-size); {{endpoint}}, {{token}}, {{seq}}, {{time}} are replaced, e.g. '{\"n\":{{seq}},\"ts\":{{time}}}'")
	f.Float64Var(&o.ConnectRate, "connect-rate", 0, "connections per second during the ramp (0: all at once)")
	f.Float64Var(&o.Rate, "rate", 0, "kp requests per second per endpoint (0: closed loop, next request on reply)")
	f.DurationVar(&o.Duration, "duration", 10*time.Second, "run length after the ramp")
	f.IntVar(&o.Requests, "requests", 0, "stop after this many requests and uploads (with --duration too: whichever comes first)")
	f.DurationVar(&o.Timeout, "timeout", 5*time.Second, "deadline of each 1/KP reply and each connect")
	f.StringVar(&o.BCXURL, "bcx-url", "http://127.0.0.1:8090", "BCX REST API base URL (upload scenario)")
	f.StringVar(&o.BCXExtension, "bcx-ext", "bcx", "BCX extension instance in 1/KP topics (upload tokens)")
	f.StringVar(&o.blobSize, "blob-size", "64KiB", "bytes per upload (suffixes KiB, MiB, GiB)")
	f.Float64Var(&o.UploadRate, "upload-rate", 0, "uploads per second per endpoint (0: closed loop)")
	f.DurationVar(&o.UploadTimeout, "upload-timeout", time.Minute, "deadline of each upload")
	f.BoolVar(&o.Reconnect, "reconnect", false, "endpoints that lose their connection connect again with backoff (soak tests across restarts); otherwise they stop")
	f.DurationVar(&o.Hold, "hold", time.Second, "connect scenario: how long a connection stays up before it churns")
	f.StringVar(&o.caFile, "ca", "", "PEM CA bundle to trust for mqtts/wss/https KPC and an https --bcx-url (default: KPC's cert from --kpc-rest-url; system roots for BCX)")
	f.StringVar(&o.certFile, "cert", "", "client certificate (PEM) every endpoint presents on mqtts/wss/https (X.509 client auth)")
	f.StringVar(&o.keyFile, "key", "", "private key (PEM) of --cert")
	f.BoolVar(&o.x509, "x509", false, "give each endpoint its own self-signed client certificate, derived from its token (test credentials; provisioned as X.509 credentials); needs a TLS --url")
	f.StringVar(&o.username, "username", "", "MQTT username of endpoint n (basic credentials; a %d is replaced by n)")
	f.StringVar(&o.password, "password", "", "MQTT password of endpoint n (a %d is replaced by n)")
	f.BoolVar(&o.insecure, "insecure", false, "do not verify KPC's TLS certificate (tests only)")
	f.StringVar(&o.restURL, "kpc-rest-url", "http://127.0.0.1:8008", "KPC management API, where /api/v1/cert serves its TLS cert")
	f.StringVar(&o.provision, "provision", "auto", "register the endpoint tokens through the provider API first: auto (if an admin token is at hand and KPC is local or --provider-url is set), always, never")
	f.StringVar(&o.application, "application", "", "application of the tokens when provisioning (default: --app without its -v<N> suffix)")
	f.StringVar(&o.conn.providerURL, "provider-url", "http://"+provider.DefaultRESTAddr, "credential provider REST API base URL (provisioning)")
	f.StringVar(&o.conn.token, "admin-token", "", "admin bearer token for provisioning (default: the contents of <data-dir>/admin.token)")
	f.StringVar(&o.conn.dataDir, "data-dir", defaultDataDir(), "data dir of kaactl up, where admin.token lives")
	f.StringVar(&o.conn.tenant, "tenant", "kaa", "tenant of the application when provisioning")
	f.StringVarP(&o.output, "output", "o", "table", "report format: table or json")
	f.StringVar(&o.failOn, "fail-on", "", `exit 1 when the report breaks these, e.g. "p99>200ms,errors>0.1%" (metrics: p50 p90 p99 max upload_p50 upload_p99 connect_p99 errors rps mbps)`)
	f.BoolVar(&o.noDashboard, "no-dashboard", false, "print a progress line instead of the live dashboard, even on a terminal")
	return cmd
}

var versionSuffix = regexp.MustCompile(`-v[0-9]+$`)

// complete checks the flags and fills the derived options.
func (o *simOptions) complete() error {
	if o.output != "table" && o.output != "json" {
		return fmt.Errorf("-o %q: want table or json", o.output)
	}
	switch {
	case o.Endpoints < 1:
		return fmt.Errorf("--endpoints %d: want at least 1", o.Endpoints)
	case o.QoS > 1:
		return fmt.Errorf("--qos %d: want 0 or 1", o.QoS)
	case o.Rate < 0 || o.UploadRate < 0 || o.ConnectRate < 0:
		return errors.New("--rate, --upload-rate and --connect-rate cannot be negative")
	case o.Requests < 0 || o.Duration < 0:
		return errors.New("--requests and --duration cannot be negative")
	case o.Timeout <= 0 || o.UploadTimeout <= 0 || o.Hold <= 0:
		return errors.New("--timeout, --upload-timeout and --hold must be positive")
	case o.PayloadSize < 1:
		return fmt.Errorf("--payload-size %d: want at least 1", o.PayloadSize)
	}
	mix, err := sim.ParseMix(o.scenario)
	if err != nil {
		return fmt.Errorf("--scenario: %w", err)
	}
	o.Scenario = mix
	n, err := parseSize(o.blobSize)
	if err != nil || n <= 0 || n > 1<<31 {
		return fmt.Errorf("--blob-size %q: want bytes, e.g. 65536, 64KiB, 16MiB (at most 2GiB)", o.blobSize)
	}
	o.BlobSize = int(n)
	if err := sim.CheckPayloadTemplate(o.payload); err != nil {
		return fmt.Errorf("--payload: %w", err)
	}
	o.Payload = o.payload
	switch o.provision {
	case "auto", "always", "never":
	default:
		return fmt.Errorf("--provision %q: want auto, always or never", o.provision)
	}
	if o.application == "" {
		o.application = versionSuffix.ReplaceAllString(o.AppVersion, "")
	}
	if o.tokensFile == "" {
		if a, b := fmt.Sprintf(o.tokenPattern, 0), fmt.Sprintf(o.tokenPattern, 1); a == b || strings.Contains(a, "%!") {
			return fmt.Errorf("--token-pattern %q: needs one integer verb (%%d, %%05d) for the endpoint number", o.tokenPattern)
		}
		pattern := o.tokenPattern
		o.Tokens = func(i int) string { return fmt.Sprintf(pattern, i) }
	}
	if (o.certFile == "") != (o.keyFile == "") {
		return errors.New("--cert and --key go together")
	}
	if o.x509 && o.certFile != "" {
		return errors.New("--x509 and --cert: one or the other")
	}
	if o.x509 && !isTLSURL(o.URL) {
		return fmt.Errorf("--x509: client certificates need a TLS URL (mqtts, wss, https), not %s", o.URL)
	}
	if o.password != "" && o.username == "" {
		return errors.New("--password needs --username")
	}
	if o.username != "" {
		user, pass := o.username, o.password
		o.Credentials = func(i int) (string, string) { return expandN(user, i), expandN(pass, i) }
	}
	if _, err := url.Parse(o.URL); err != nil {
		return fmt.Errorf("--url: %w", err)
	}
	return nil
}

// isTLSURL reports whether rawURL's scheme is one of the TLS transports.
func isTLSURL(rawURL string) bool {
	scheme, _, _ := strings.Cut(rawURL, "://")
	switch scheme {
	case "ssl", "tls", "mqtts", "wss", "https":
		return true
	}
	return false
}

// isLoopbackURL reports whether rawURL's host is this machine.
func isLoopbackURL(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
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

// readTokens reads one token per line, or the first column of a CSV file
// (a header whose first cell is "token" is skipped). Blank lines and lines
// starting with # are ignored.
func readTokens(r io.Reader) ([]string, error) {
	var lines []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var tokens []string
	for i, line := range lines {
		tok := line
		if strings.ContainsAny(line, ",\"") {
			rec, err := csv.NewReader(strings.NewReader(line)).Read()
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
			tok = strings.TrimSpace(rec[0])
		}
		if i == 0 && strings.EqualFold(tok, "token") {
			continue
		}
		if tok == "" {
			return nil, fmt.Errorf("line %d: empty token", i+1)
		}
		tokens = append(tokens, tok)
	}
	return tokens, nil
}

// tlsConfig builds the client TLS config for TLS schemes: --ca, --insecure,
// or KPC's own certificate fetched from its management API.
func (o *simOptions) tlsConfig(ctx context.Context) (*tls.Config, error) {
	u, _ := url.Parse(o.URL)
	if !isTLSURL(o.URL) {
		if o.certFile != "" {
			return nil, fmt.Errorf("--cert needs a TLS --url (mqtts://, wss://, https://), not %s://", u.Scheme)
		}
		return nil, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname()}
	if o.certFile != "" {
		cert, err := tls.LoadX509KeyPair(o.certFile, o.keyFile)
		if err != nil {
			return nil, fmt.Errorf("--cert/--key: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if o.insecure {
		conf.InsecureSkipVerify = true
		return conf, nil
	}
	pool, err := o.caPool()
	if err != nil {
		return nil, err
	}
	if pool == nil {
		pemData, err := fetchCert(ctx, o.restURL)
		if err != nil {
			return nil, fmt.Errorf("no --ca given and KPC's certificate could not be fetched: %w", err)
		}
		if pool, err = pemPool(pemData); err != nil {
			return nil, fmt.Errorf("KPC's /api/v1/cert: %w", err)
		}
	}
	conf.RootCAs = pool
	return conf, nil
}

// caPool is the pool of --ca (nil without it).
func (o *simOptions) caPool() (*x509.CertPool, error) {
	if o.caFile == "" {
		return nil, nil
	}
	pemData, err := os.ReadFile(o.caFile)
	if err == nil {
		var pool *x509.CertPool
		if pool, err = pemPool(pemData); err == nil {
			return pool, nil
		}
	}
	return nil, fmt.Errorf("--ca: %w", err)
}

func pemPool(pemData []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		return nil, errors.New("no PEM certificate found")
	}
	return pool, nil
}

// fetchCert GETs <restURL>/api/v1/cert.
func fetchCert(ctx context.Context, restURL string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(restURL, "/")+"/api/v1/cert", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", req.URL, resp.Status, strings.TrimSpace(string(data)))
	}
	return data, nil
}

// provisionTokens registers the tokens per --provision. auto provisions
// only against a local KPC or an explicit --provider-url (a run against a
// remote KPC must not register tokens in a local kaactl up), skips quietly
// when there is no admin token, and says so when the provider is not there.
func (o *simOptions) provisionTokens(ctx context.Context, stderr io.Writer) error {
	if o.provision == "never" || o.provision == "auto" && !o.providerURLSet && !isLoopbackURL(o.URL) {
		return nil
	}
	tok, err := o.conn.adminToken()
	if err != nil {
		if o.provision == "always" {
			return err
		}
		return nil
	}
	c := &admin.ProviderClient{REST: admin.REST{BaseURL: o.conn.providerURL, Token: tok}}
	if o.provision == "auto" {
		hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := c.Health(hctx)
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "not provisioning endpoints: provider at %s: %v\n", o.conn.providerURL, err)
			return nil
		}
	}
	start := time.Now()
	po := sim.ProvisionOptions{Tenant: o.conn.tenant, App: o.application,
		Endpoints: o.Endpoints, Tokens: o.Tokens, Credentials: o.Credentials}
	if o.x509 {
		po.Certs = func(i int) ([]byte, error) {
			_, pemData, err := sim.EndpointCert(o.Tokens(i))
			return pemData, err
		}
	}
	res, err := sim.Provision(ctx, c, po)
	if err != nil {
		return apiError(err)
	}
	what := "endpoints"
	switch {
	case o.Credentials != nil && o.x509:
		what = "endpoints with basic and X.509 credentials"
	case o.Credentials != nil:
		what = "endpoints with basic credentials"
	case o.x509:
		what = "endpoints with X.509 credentials"
	}
	fmt.Fprintf(stderr, "provisioned %d %s in %s/%s (%d new, %d already there) in %s\n",
		res.Created+res.Existing, what, o.conn.tenant, o.application, res.Created, res.Existing, time.Since(start).Round(time.Millisecond))
	return nil
}

func runSim(ctx context.Context, io ioStreams, o *simOptions) error {
	var failOn sim.FailOn
	if o.failOn != "" {
		var err error
		if failOn, err = sim.ParseFailOn(o.failOn); err != nil {
			return usageError{err}
		}
	}
	if o.tokensFile != "" {
		f, err := os.Open(o.tokensFile)
		if err != nil {
			return fmt.Errorf("--tokens-file: %w", err)
		}
		tokens, err := readTokens(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("--tokens-file %s: %w", o.tokensFile, err)
		}
		if len(tokens) < o.Endpoints {
			return fmt.Errorf("--tokens-file %s has %d tokens for %d endpoints", o.tokensFile, len(tokens), o.Endpoints)
		}
		o.Tokens = func(i int) string { return tokens[i] }
	}
	if o.x509 {
		tokens := o.Tokens
		o.ClientCert = func(i int) (tls.Certificate, error) {
			cert, _, err := sim.EndpointCert(tokens(i))
			return cert, err
		}
	}
	var err error
	if o.TLS, err = o.tlsConfig(ctx); err != nil {
		return err
	}
	if strings.HasPrefix(o.BCXURL, "https:") {
		// BCX is trusted through --ca too (its own host name, no client cert).
		pool, err := o.caPool()
		if err != nil {
			return err
		}
		if pool != nil {
			o.BCXTLS = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
		}
	}
	if err := o.provisionTokens(ctx, io.err); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f, _ := io.err.(*os.File)
	view := newSimView(io.err, !o.noDashboard && isTerminal(f), cancel)
	rep, err := sim.Run(ctx, o.Options, view.Update)
	view.Close()
	if err != nil {
		return err
	}
	if o.output == "json" {
		b, err := rep.JSON()
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(io.out, "%s\n", b); err != nil {
			return err
		}
	} else if err := rep.WriteTable(io.out); err != nil {
		return err
	}
	if failed := failOn.Check(rep); len(failed) > 0 {
		return fmt.Errorf("%w: %s", errFailOn, strings.Join(failed, ", "))
	}
	return nil
}
