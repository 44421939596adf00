package sim

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// EndpointCert returns a self-signed Ed25519 client certificate for an
// endpoint token, and its PEM. It is derived from the token alone, so every
// run presents (and provisions) the same certificate for the same token, and
// provisioning again finds it registered. Anyone who knows the token can
// derive the key: these are test credentials, for simulated fleets only.
func EndpointCert(token string) (tls.Certificate, []byte, error) {
	seed := sha256.Sum256([]byte("kaactl-sim-x509\x00" + token))
	key := ed25519.NewKeyFromSeed(seed[:])
	serial := sha256.Sum256([]byte("kaactl-sim-x509-serial\x00" + token))
	name := pkix.Name{CommonName: token, Organization: []string{"kaactl sim"}}
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(serial[:16]),
		Subject:      name,
		Issuer:       name,
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("endpoint certificate for %q: %w", token, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
