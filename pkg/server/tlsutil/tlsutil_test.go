package tlsutil_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kaactl/kaactl/pkg/server/tlsutil"
)

func generate(t *testing.T) (tls.Certificate, []byte, string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sub")
	certFile, keyFile := filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key")
	cert, pemBytes, err := tlsutil.LoadOrCreate(certFile, keyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cert, pemBytes, certFile, keyFile
}

func TestLoadOrCreateGeneratesThenReloads(t *testing.T) {
	cert, pemBytes, certFile, keyFile := generate(t)
	again, pem2, err := tlsutil.LoadOrCreate(certFile, keyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cert.Certificate[0], again.Certificate[0]) || !bytes.Equal(pemBytes, pem2) {
		t.Fatal("reload returned a different certificate")
	}
	for path, want := range map[string]os.FileMode{keyFile: 0o600, certFile: 0o644, filepath.Dir(keyFile): 0o700 | os.ModeDir} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s mode %v, want %v", path, fi.Mode(), want)
		}
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if leaf.IsCA || leaf.KeyUsage != x509.KeyUsageDigitalSignature || len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Errorf("unexpected usage: ca=%v ku=%v eku=%v", leaf.IsCA, leaf.KeyUsage, leaf.ExtKeyUsage)
	}
	if d := leaf.NotAfter.Sub(leaf.NotBefore); d > 398*24*time.Hour {
		t.Errorf("validity %v over 398 days", d)
	}
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "localhost" || len(leaf.IPAddresses) != 2 {
		t.Errorf("SANs %v %v", leaf.DNSNames, leaf.IPAddresses)
	}
}

func TestLoadMissingFails(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := tlsutil.Load(filepath.Join(dir, "x.crt"), filepath.Join(dir, "x.key")); err == nil {
		t.Fatal("Load of missing files succeeded")
	}
}

// serve accepts TLS connections and completes their handshakes; it returns the address.
func serve(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if tc, ok := c.(*tls.Conn); ok && tc.Handshake() == nil {
					_, _ = io.WriteString(c, "hi")
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestHandshakeTrustingPEM(t *testing.T) {
	cert, pemBytes, _, _ := generate(t)
	addr := serve(t, tlsutil.ServerConfig(cert))
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("PEM has no certificate")
	}
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatalf("trusting client: %v", err)
	}
	defer c.Close()
	if got, err := io.ReadAll(c); err != nil || string(got) != "hi" {
		t.Fatalf("read %q, %v", got, err)
	}

	if _, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: x509.NewCertPool()}); err == nil {
		t.Fatal("client without the certificate in its roots connected")
	}
}

func TestOldTLSRefused(t *testing.T) {
	cert, _, _, _ := generate(t)
	addr := serve(t, tlsutil.ServerConfig(cert))
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}) //nolint:gosec // testing refusal
	if err == nil {
		c.Close()
		t.Fatal("TLS 1.1 handshake succeeded")
	}
	c, err = tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}}) //nolint:gosec // testing refusal
	if err == nil {
		c.Close()
		t.Fatal("non-ECDHE TLS 1.2 suite accepted")
	}
}

func TestLoadCertificate(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key")
	if _, err := tlsutil.LoadCertificate(certFile, keyFile, false, nil); err == nil {
		t.Fatal("loaded missing files without generate")
	}
	if _, err := os.Stat(certFile); err == nil {
		t.Fatal("a certificate was generated without generate")
	}
	made, err := tlsutil.LoadCertificate(certFile, keyFile, true, []string{"kaa.example"})
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := tlsutil.LoadCertificate(certFile, keyFile, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	onDisk, _ := os.ReadFile(certFile)
	if !bytes.Equal(made.PEM, loaded.PEM) || !bytes.Equal(loaded.PEM, onDisk) || !bytes.Equal(made.Pair.Certificate[0], loaded.Pair.Certificate[0]) {
		t.Fatal("the generated and the loaded certificate differ")
	}
	if cfg := loaded.ServerConfig(); cfg.MinVersion != tls.VersionTLS12 || len(cfg.Certificates) != 1 {
		t.Errorf("server config %+v", cfg)
	}
}
