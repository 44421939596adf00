package sim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/kaactl/kaactl/pkg/admin"
)

// isTLSURL reports whether rawURL's scheme is one of the TLS transports.
func isTLSURL(rawURL string) bool {
	scheme, _, _ := strings.Cut(rawURL, "://")
	switch scheme {
	case "ssl", "tls", "mqtts", "wss", "https":
		return true
	}
	return false
}

// kpcTLS builds the client TLS config for TLS schemes: CAFile, Insecure,
// or KPC's own certificate fetched from its management API.
func (c *Config) kpcTLS(ctx context.Context) (*tls.Config, error) {
	u, _ := url.Parse(c.URL)
	if !isTLSURL(c.URL) {
		if c.CertFile != "" {
			return nil, fmt.Errorf("--cert needs a TLS --url (mqtts://, wss://, https://), not %s://", u.Scheme)
		}
		return nil, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname()}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("--cert/--key: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if c.Insecure {
		conf.InsecureSkipVerify = true
		return conf, nil
	}
	pool, err := c.caPool()
	if err != nil {
		return nil, err
	}
	if pool == nil {
		pemData, err := admin.FetchCert(ctx, c.KPCRESTURL)
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

// bcxTLS trusts CAFile for an https BCX URL too (BCX's own host name, no
// client certificate); nil means system roots.
func (c *Config) bcxTLS() (*tls.Config, error) {
	if !strings.HasPrefix(c.BCXURL, "https:") {
		return nil, nil
	}
	pool, err := c.caPool()
	if err != nil || pool == nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}, nil
}

// caPool is the pool of CAFile (nil without it).
func (c *Config) caPool() (*x509.CertPool, error) {
	if c.CAFile == "" {
		return nil, nil
	}
	pemData, err := os.ReadFile(c.CAFile)
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
