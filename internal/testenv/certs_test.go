package testenv

import (
	"crypto/tls"
	"crypto/x509"
	"testing"
)

// TestCertificates: a CA's client certificates verify against it for client
// authentication, a self-signed one does not; Files is a pair TLS loads.
func TestCertificates(t *testing.T) {
	ca := NewCA(t, "Test CA")
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	verify := func(c Cert) error {
		_, err := c.Cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		return err
	}
	dev := ca.Issue(t, "device-1", 42)
	if err := verify(dev); err != nil || dev.Cert.SerialNumber.Int64() != 42 || dev.Cert.Subject.CommonName != "device-1" {
		t.Errorf("issued %v: %v", dev.Cert.Subject, err)
	}
	if err := verify(SelfSigned(t, "device-2", 7)); err == nil {
		t.Error("a self-signed certificate verifies against the CA")
	}
	if TrustPEM(t, ca.PEM).RootCAs == nil {
		t.Error("TrustPEM trusts nothing")
	}
	certFile, keyFile := ca.Files(t)
	if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		t.Errorf("Files: %v", err)
	}
}
