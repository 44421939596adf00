package sim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kaactl/kaactl/pkg/admin"
)

// Prepare does the I/O a run needs before it starts and returns the engine's
// Options: it checks that the process may open a file per connection,
// reads TokensFile, derives each endpoint's certificate (X509), builds the
// client TLS of KPC (trusting the certificate KPC serves at KPCRESTURL when
// there is no CAFile) and of BCX, and provisions the endpoints (see
// provision), saying so on stderr. Call Validate first.
func (c *Config) Prepare(ctx context.Context, stderr io.Writer) (Options, error) {
	o := c.Options
	o.KeepUploads = c.Cleanup
	if err := checkFiles(filesNeeded(o), noFile, setNoFile); err != nil {
		return Options{}, err
	}
	if c.TokensFile != "" {
		tokens, err := readTokensFile(c.TokensFile, o.Endpoints)
		if err != nil {
			return Options{}, err
		}
		o.Tokens = tokens
	}
	if c.X509 {
		if err := c.loadDeviceCA(); err != nil {
			return Options{}, err
		}
		tokens := o.Tokens
		o.ClientCert = func(i int) (tls.Certificate, error) {
			cert, _, err := c.endpointCert(tokens(i))
			return cert, err
		}
	}
	var err error
	if o.TLS, err = c.kpcTLS(ctx); err != nil {
		return Options{}, err
	}
	if o.BCXTLS, err = c.bcxTLS(); err != nil {
		return Options{}, err
	}
	c.bcxTLSConf = o.BCXTLS
	if err := c.provision(ctx, o, stderr); err != nil {
		return Options{}, err
	}
	return o, nil
}

// provision registers o's tokens (and credentials) per c.Provision. auto
// provisions only against a local KPC or an explicit --provider-url (a run
// against a remote KPC must not register tokens in a local kaactl up), skips
// quietly when there is no admin token, and says so when the provider is not
// there.
func (c *Config) provision(ctx context.Context, o Options, stderr io.Writer) error {
	if c.Provision == "never" || c.Provision == "auto" && !c.changed("provider-url") && !isLoopbackURL(o.URL) {
		return nil
	}
	tok, err := c.adminToken()
	if err != nil {
		if c.Provision == "always" {
			return err
		}
		return nil
	}
	pc := c.providerClient(tok)
	defer pc.HTTP.CloseIdleConnections()
	if c.Provision == "auto" {
		hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := pc.Health(hctx)
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "not provisioning endpoints: provider at %s: %v\n", c.ProviderURL, err)
			return nil
		}
	}
	if err := c.ensureApp(ctx, pc, stderr); err != nil {
		return c.atProvider(err)
	}
	start := time.Now()
	po := ProvisionOptions{Tenant: c.Tenant, App: c.Application, Progress: c.ProvisionProgress,
		Endpoints: o.Endpoints, Tokens: o.Tokens, Credentials: o.Credentials}
	if c.X509 {
		po.Certs = func(i int) ([]byte, error) {
			_, pemData, err := c.endpointCert(o.Tokens(i))
			return pemData, err
		}
	}
	res, err := Provision(ctx, pc, po)
	c.created = res.IDs
	if err != nil {
		return c.atProvider(err)
	}
	what := "endpoints"
	switch {
	case o.Credentials != nil && c.X509:
		what = "endpoints with basic and X.509 credentials"
	case o.Credentials != nil:
		what = "endpoints with basic credentials"
	case c.X509:
		what = "endpoints with X.509 credentials"
	}
	fmt.Fprintf(stderr, "provisioned %s %s in %s/%s (%s new, %s already there) in %s\n",
		Thousands(int64(res.Created+res.Existing)), what, c.Tenant, c.Application, Thousands(int64(res.Created)), Thousands(int64(res.Existing)),
		time.Since(start).Round(time.Millisecond))
	if n := res.CredentialsExisting; n > 0 {
		fmt.Fprintf(stderr, "%s of the usernames were registered already and keep the passwords they were made with: "+
			"if CONNECT fails with \"bad user name or password\", --password is not those\n", Thousands(int64(n)))
	}
	return nil
}

// providerClient is a client of the provider API with the admin token, on
// a transport of its own: the caller closes its idle connections when done,
// as the spares its workers made would hold the provider's graceful
// shutdown (a connection that never carried a request is not idle to it).
func (c *Config) providerClient(token string) *admin.ProviderClient {
	return &admin.ProviderClient{REST: admin.REST{BaseURL: c.ProviderURL, Token: token, HTTP: newHTTPClient(cleanupWorkers, nil)}}
}

// atProvider names the provider and the admin token in an error, so that
// a run against a kaactl up on other ports (or another one on the default
// port) says what to check.
func (c *Config) atProvider(err error) error {
	if errors.Is(err, admin.ErrUnauthorized) {
		return fmt.Errorf("provider at %s: %w (check --provider-url, which kaactl up prints, and --admin-token or <data-dir>/admin.token)", c.ProviderURL, err)
	}
	return fmt.Errorf("provider at %s: %w", c.ProviderURL, err)
}

// ensureApp makes sure Application exists with AppVersion: DefaultApp is
// created when missing; another missing application, or a version it does
// not have, is an error that says what to do.
func (c *Config) ensureApp(ctx context.Context, pc *admin.ProviderClient, stderr io.Writer) error {
	apps, err := pc.ListApps(ctx, c.Tenant)
	if err != nil {
		return err
	}
	for _, a := range apps {
		if a.Name != c.Application {
			continue
		}
		if !slices.Contains(a.Versions, c.AppVersion) {
			return fmt.Errorf("application %s has no version %s (it has %s): give --app-version", a.Name, c.AppVersion, strings.Join(a.Versions, ", "))
		}
		return nil
	}
	if c.Application != DefaultApp {
		return fmt.Errorf("application %q not found in tenant %q: create it (kaactl apps create %s) or leave --app at %s", c.Application, c.Tenant, c.Application, DefaultApp)
	}
	if _, err := pc.CreateApp(ctx, c.Tenant, c.Application, []string{c.AppVersion}, false); err != nil && !errors.Is(err, admin.ErrExists) {
		return err
	}
	fmt.Fprintf(stderr, "created application %s (version %s) in tenant %s for the simulator\n", c.Application, c.AppVersion, c.Tenant)
	return nil
}

// adminToken is the token to provision with.
func (c *Config) adminToken() (string, error) {
	if c.ReadAdminToken != nil {
		return c.ReadAdminToken()
	}
	if c.AdminToken == "" {
		return "", errors.New("no admin token")
	}
	return c.AdminToken, nil
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

// loadDeviceCA reads --x509-ca and --x509-ca-key, when given.
func (c *Config) loadDeviceCA() error {
	if c.X509CA == "" {
		return nil
	}
	ca, err := LoadDeviceCA(c.X509CA, c.X509CAKey)
	if err != nil {
		return fmt.Errorf("--x509-ca: %w", err)
	}
	c.deviceCA = ca
	return nil
}

// endpointCert is the --x509 certificate of a token: signed by --x509-ca,
// or self-signed.
func (c *Config) endpointCert(token string) (tls.Certificate, []byte, error) {
	if c.deviceCA != nil {
		return c.deviceCA.EndpointCert(token)
	}
	return EndpointCert(token)
}
