package sim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"

	"github.com/kaactl/kaactl/pkg/admin"
)

// Prepare does the I/O a run needs before it starts and returns the engine's
// Options: it reads TokensFile, derives each endpoint's certificate (X509),
// builds the client TLS of KPC (trusting the certificate KPC serves at
// KPCRESTURL when there is no CAFile) and of BCX, and provisions the
// endpoints (see provision), saying so on stderr. Call Validate first.
func (c *Config) Prepare(ctx context.Context, stderr io.Writer) (Options, error) {
	o := c.Options
	if c.TokensFile != "" {
		tokens, err := readTokensFile(c.TokensFile, o.Endpoints)
		if err != nil {
			return Options{}, err
		}
		o.Tokens = tokens
	}
	if c.X509 {
		tokens := o.Tokens
		o.ClientCert = func(i int) (tls.Certificate, error) {
			cert, _, err := EndpointCert(tokens(i))
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
	pc := &admin.ProviderClient{REST: admin.REST{BaseURL: c.ProviderURL, Token: tok}}
	if c.Provision == "auto" {
		hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := pc.Health(hctx)
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "not provisioning endpoints: provider at %s: %v\n", c.ProviderURL, err)
			return nil
		}
	}
	start := time.Now()
	po := ProvisionOptions{Tenant: c.Tenant, App: c.Application,
		Endpoints: o.Endpoints, Tokens: o.Tokens, Credentials: o.Credentials}
	if c.X509 {
		po.Certs = func(i int) ([]byte, error) {
			_, pemData, err := EndpointCert(o.Tokens(i))
			return pemData, err
		}
	}
	res, err := Provision(ctx, pc, po)
	if err != nil {
		return err
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
	fmt.Fprintf(stderr, "provisioned %d %s in %s/%s (%d new, %d already there) in %s\n",
		res.Created+res.Existing, what, c.Tenant, c.Application, res.Created, res.Existing, time.Since(start).Round(time.Millisecond))
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
