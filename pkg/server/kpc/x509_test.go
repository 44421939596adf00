package kpc_test

import (
	"crypto/tls"
	"crypto/x509"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
)

func expired(c *x509.Certificate) {
	c.NotBefore, c.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
}

func serverAuthOnly(c *x509.Certificate) {
	c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
}

// presenting returns conf presenting the device certificate, also when the
// server names other authorities (a client picking from Certificates would
// send none then; a hostile one sends it anyway).
func presenting(conf *tls.Config, d testenv.Cert) *tls.Config {
	c := conf.Clone()
	c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &d.TLS, nil }
	return c
}
