package admin

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// FetchCert GETs <restURL>/api/v1/cert, the PEM certificate KPC serves on
// its TLS listeners (the one devices must trust). The read is bounded (1 MiB)
// and the call gives up after 5 seconds.
func FetchCert(ctx context.Context, restURL string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(restURL, "/")+"/api/v1/cert", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", req.URL, resp.Status, strings.TrimSpace(string(data)))
	}
	return data, nil
}

// FetchParsedCert is FetchCert, then ParseCertPEM: KPC's certificate as
// served (PEM) and as parsed.
func FetchParsedCert(ctx context.Context, restURL string) ([]byte, *x509.Certificate, error) {
	data, err := FetchCert(ctx, restURL)
	if err != nil {
		return nil, nil, err
	}
	cert, err := ParseCertPEM(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s/api/v1/cert: %w", strings.TrimSuffix(restURL, "/"), err)
	}
	return data, cert, nil
}
