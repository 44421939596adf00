package admin

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// CertInfo is what a person checks in a certificate.
type CertInfo struct {
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	SANs     []string  `json:"sans"`
	NotAfter time.Time `json:"notAfter"`
	// SHA256 is the fingerprint of the DER certificate, colon-separated hex.
	SHA256 string `json:"sha256"`
}

// ParseCertPEM reads the first certificate of PEM data.
func ParseCertPEM(data []byte) (*x509.Certificate, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, fmt.Errorf("%w: no PEM certificate", ErrInvalid)
		}
		if b.Type == "CERTIFICATE" {
			cert, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
			}
			return cert, nil
		}
	}
}

// DescribeCert is the CertInfo of cert.
func DescribeCert(cert *x509.Certificate) CertInfo {
	sans := append([]string{}, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		sans = append(sans, ip.String())
	}
	for _, u := range cert.URIs {
		sans = append(sans, u.String())
	}
	sans = append(sans, cert.EmailAddresses...)
	sum := sha256.Sum256(cert.Raw)
	hexSum := strings.ToUpper(hex.EncodeToString(sum[:]))
	pairs := make([]string, 0, len(sum))
	for i := 0; i < len(hexSum); i += 2 {
		pairs = append(pairs, hexSum[i:i+2])
	}
	return CertInfo{Subject: cert.Subject.String(), Issuer: cert.Issuer.String(), SANs: sans, NotAfter: cert.NotAfter, SHA256: strings.Join(pairs, ":")}
}

// VerifyTLS completes a TLS handshake with addr (host:port) trusting only
// cert, and fails unless the chain presented verifies against it for the
// host: the check a device that pinned the fetched certificate makes.
func VerifyTLS(ctx context.Context, addr string, cert *x509.Certificate) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w: --verify %q: want HOST:PORT", ErrInvalid, addr)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	d := tls.Dialer{Config: &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12}}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if opErr := (*net.OpError)(nil); errors.As(err, &opErr) && opErr.Op == "dial" {
			return fmt.Errorf("%w: tls %s: %w", ErrUnreachable, addr, err)
		}
		return fmt.Errorf("%w: tls %s does not verify against the fetched certificate: %w", ErrCertMismatch, addr, err)
	}
	return conn.Close()
}
