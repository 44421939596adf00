package sim

import (
	"bytes"
	"crypto/x509"
	"testing"
)

func TestEndpointCert(t *testing.T) {
	a1, pem1, err := EndpointCert("dev-1")
	if err != nil {
		t.Fatal(err)
	}
	_, pem1again, err := EndpointCert("dev-1")
	if err != nil {
		t.Fatal(err)
	}
	_, pem2, err := EndpointCert("dev-2")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pem1, pem1again) {
		t.Error("the same token gave two certificates")
	}
	if bytes.Equal(pem1, pem2) {
		t.Error("two tokens gave the same certificate")
	}
	leaf := a1.Leaf
	if leaf.Subject.CommonName != "dev-1" || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Errorf("subject %v, usage %v", leaf.Subject, leaf.ExtKeyUsage)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("does not verify as a client certificate: %v", err)
	}
}
