package tlsutil

import "crypto/tls"

// Certificate is a server's certificate and key, with the certificate as
// PEM: what its clients are given to trust (KPC's GET /api/v1/cert).
type Certificate struct {
	Pair tls.Certificate
	PEM  []byte
}

// LoadCertificate loads certFile and keyFile; with generate it first creates
// a self-signed pair for hosts there when they do not exist (LoadOrCreate).
func LoadCertificate(certFile, keyFile string, generate bool, hosts []string) (*Certificate, error) {
	var (
		c   Certificate
		err error
	)
	if generate {
		c.Pair, c.PEM, err = LoadOrCreate(certFile, keyFile, hosts)
	} else {
		c.Pair, c.PEM, err = Load(certFile, keyFile)
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// ServerConfig is the modern server configuration (ServerConfig) for c.
func (c *Certificate) ServerConfig() *tls.Config { return ServerConfig(c.Pair) }
