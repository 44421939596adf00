package sim

import (
	"crypto"
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
// A KPC that verifies client certificates (--client-ca) refuses it: see
// DeviceCA.EndpointCert for certificates it accepts.
func EndpointCert(token string) (tls.Certificate, []byte, error) {
	return endpointCert(token, nil)
}

// DeviceCA signs the simulated endpoints' certificates, so that a KPC whose
// --client-ca is this CA verifies them (22/CAP X.509 authentication).
type DeviceCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// LoadDeviceCA reads a CA certificate and its private key (PEM files).
func LoadDeviceCA(certFile, keyFile string) (*DeviceCA, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, err
	}
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok || !cert.IsCA {
		return nil, fmt.Errorf("%s is not a CA certificate with a signing key", certFile)
	}
	return &DeviceCA{cert: cert, key: key}, nil
}

// EndpointCert is the endpoint's certificate signed by the CA: the key is
// derived from the token as EndpointCert's, the serial from the token and
// the CA, so every run presents the same certificate.
func (ca *DeviceCA) EndpointCert(token string) (tls.Certificate, []byte, error) {
	return endpointCert(token, ca)
}

func endpointCert(token string, ca *DeviceCA) (tls.Certificate, []byte, error) {
	seed := sha256.Sum256([]byte("kaactl-sim-x509\x00" + token))
	key := ed25519.NewKeyFromSeed(seed[:])
	name := pkix.Name{CommonName: token, Organization: []string{"kaactl sim"}}
	serialOf := "kaactl-sim-x509-serial\x00" + token
	if ca != nil {
		serialOf += "\x00" + string(ca.cert.RawSubject)
	}
	serial := sha256.Sum256([]byte(serialOf))
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(serial[:16]),
		Subject:      name,
		Issuer:       name,
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	parent, signer := tmpl, crypto.Signer(key)
	if ca != nil {
		parent, signer = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(nil, tmpl, parent, key.Public(), signer)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("endpoint certificate for %q: %w", token, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	if ca != nil { // the chain KPC verifies: the leaf and its CA
		cert.Certificate = append(cert.Certificate, ca.cert.Raw)
	}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
