package testenv

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a certificate authority made in the test, as a device maker's would
// be with openssl.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	PEM  []byte // the certificate
}

// NewCA makes a CA named cn (ECDSA P-256, valid from an hour ago for a day).
func NewCA(t testing.TB, cn string) *CA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, Organization: []string{"Test Devices"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	c := sign(t, tmpl, tmpl, key, key)
	return &CA{Cert: c.Cert, Key: key, PEM: c.PEM}
}

// File writes the CA certificate to a PEM file (KPC's --client-ca).
func (ca *CA) File(t testing.TB) string {
	t.Helper()
	return WriteFile(t, t.TempDir(), "ca.crt", string(ca.PEM))
}

// Files writes the CA certificate and its key (PKCS #8) to PEM files, as
// `kaactl sim --x509-ca --x509-ca-key` reads them.
func (ca *CA) Files(t testing.TB) (certFile, keyFile string) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = ca.File(t)
	keyFile = WriteFile(t, filepath.Dir(certFile), "ca.key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	return certFile, keyFile
}

// Cert is a certificate made in the test: the TLS pair, the certificate
// parsed, and its PEM (what the provider registers).
type Cert struct {
	TLS  tls.Certificate
	Cert *x509.Certificate
	PEM  []byte
}

// CertOption changes a certificate's template before it is signed.
type CertOption func(*x509.Certificate)

// Issue signs a client certificate (ExtKeyUsageClientAuth) for cn, valid
// from an hour ago for a day.
func (ca *CA) Issue(t testing.TB, cn string, serial int64, opts ...CertOption) Cert {
	t.Helper()
	return sign(t, leaf(cn, serial, opts), ca.Cert, newKey(t), ca.Key)
}

// SelfSigned makes a self-signed client certificate for cn, valid from an
// hour ago for a day.
func SelfSigned(t testing.TB, cn string, serial int64, opts ...CertOption) Cert {
	t.Helper()
	tmpl := leaf(cn, serial, opts)
	key := newKey(t)
	return sign(t, tmpl, tmpl, key, key)
}

// TrustPEM is a client TLS configuration trusting the certificates in
// certPEM (a self-signed server's, or a CA's).
func TrustPEM(t testing.TB, certPEM []byte) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(certPEM) {
		t.Fatalf("no certificate in %q", certPEM)
	}
	return &tls.Config{RootCAs: pool}
}

// TrustFile is TrustPEM of a PEM file.
func TrustFile(t testing.TB, certFile string) *tls.Config {
	t.Helper()
	data, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	return TrustPEM(t, data)
}

func leaf(cn string, serial int64, opts []CertOption) *x509.Certificate {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	for _, o := range opts {
		o(tmpl)
	}
	return tmpl
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func sign(t testing.TB, tmpl, parent *x509.Certificate, key *ecdsa.PrivateKey, signer crypto.Signer) Cert {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return Cert{
		TLS:  tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert},
		Cert: cert,
		PEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
	}
}
