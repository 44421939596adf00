package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Client calls a Provider's management REST API. Its methods mirror the
// store operations; errors the server answers with 400, 401, 404 and 409 wrap
// ErrInvalid, ErrUnauthorized, ErrNotFound and ErrExists, with the server's
// reason phrase as their message.
type Client struct {
	// BaseURL is the API root, e.g. "http://127.0.0.1:8090".
	BaseURL string
	// Token is the admin bearer token.
	Token string
	// HTTP defaults to http.DefaultClient.
	HTTP *http.Client
}

// maxResponse bounds the response bodies the client reads.
const maxResponse = 32 << 20

// Health reports whether the provider is up and connected to NATS.
func (c *Client) Health(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/health", nil, nil, http.StatusOK)
}

// CreateApp creates an application (see Provider.CreateApp).
func (c *Client) CreateApp(ctx context.Context, tenant, name string, versions []string, autoRegister bool) (App, error) {
	body := map[string]any{"name": name, "versions": versions, "autoRegister": autoRegister}
	var app App
	err := c.do(ctx, http.MethodPost, tenantPath(tenant, "applications"), body, &app, http.StatusCreated)
	return app, err
}

// ListApps lists tenant's applications.
func (c *Client) ListApps(ctx context.Context, tenant string) ([]App, error) {
	var apps []App
	err := c.do(ctx, http.MethodGet, tenantPath(tenant, "applications"), nil, &apps, http.StatusOK)
	return apps, err
}

// CreateEndpoint creates an endpoint and returns it with its token ("" has
// the server generate one).
func (c *Client) CreateEndpoint(ctx context.Context, tenant, app, token string) (Endpoint, string, error) {
	return c.CreateEndpointWith(ctx, tenant, app, EndpointSpec{Token: token})
}

// CreateEndpointWith is CreateEndpoint with optional metadata.
func (c *Client) CreateEndpointWith(ctx context.Context, tenant, app string, spec EndpointSpec) (Endpoint, string, error) {
	var ep CreatedEndpoint
	err := c.do(ctx, http.MethodPost, tenantPath(tenant, "applications", app, "endpoints"), spec, &ep, http.StatusCreated)
	return ep.Endpoint, ep.Token, err
}

// ListEndpoints lists the endpoints of tenant's application app.
func (c *Client) ListEndpoints(ctx context.Context, tenant, app string) ([]Endpoint, error) {
	var eps []Endpoint
	err := c.do(ctx, http.MethodGet, tenantPath(tenant, "applications", app, "endpoints"), nil, &eps, http.StatusOK)
	return eps, err
}

// SetEndpointStatus suspends, revokes or re-activates an endpoint.
func (c *Client) SetEndpointStatus(ctx context.Context, tenant, app, endpointID string, status Status) error {
	return c.do(ctx, http.MethodPost, tenantPath(tenant, "applications", app, "endpoints", endpointID, "status"),
		map[string]string{"status": string(status)}, nil, http.StatusNoContent)
}

// CreateBasic creates basic credentials.
func (c *Client) CreateBasic(ctx context.Context, tenant, username, password string) (BasicCredential, error) {
	return c.CreateBasicWith(ctx, tenant, BasicSpec{Username: username, Password: password})
}

// CreateBasicWith is CreateBasic with an explicit client ID.
func (c *Client) CreateBasicWith(ctx context.Context, tenant string, spec BasicSpec) (BasicCredential, error) {
	var cred BasicCredential
	err := c.do(ctx, http.MethodPost, tenantPath(tenant, "credentials", "basic"), spec, &cred, http.StatusCreated)
	return cred, err
}

// ListBasic lists tenant's basic credentials.
func (c *Client) ListBasic(ctx context.Context, tenant string) ([]BasicCredential, error) {
	var creds []BasicCredential
	err := c.do(ctx, http.MethodGet, tenantPath(tenant, "credentials", "basic"), nil, &creds, http.StatusOK)
	return creds, err
}

// RevokeBasic revokes basic credentials.
func (c *Client) RevokeBasic(ctx context.Context, tenant, id string) error {
	return c.do(ctx, http.MethodPost, tenantPath(tenant, "credentials", "basic", id, "revoke"), nil, nil, http.StatusNoContent)
}

// AddCert registers a PEM certificate as X.509 credentials.
func (c *Client) AddCert(ctx context.Context, tenant string, pemData []byte) (CertCredential, error) {
	var cred CertCredential
	err := c.do(ctx, http.MethodPost, tenantPath(tenant, "credentials", "x509"), certBody{PEM: string(pemData)}, &cred, http.StatusCreated)
	return cred, err
}

// AddCertBySerial registers X.509 credentials by issuer DN and base-10 serial.
func (c *Client) AddCertBySerial(ctx context.Context, tenant, issuer, serial string) (CertCredential, error) {
	var cred CertCredential
	err := c.do(ctx, http.MethodPost, tenantPath(tenant, "credentials", "x509"), certBody{Issuer: issuer, Serial: serial}, &cred, http.StatusCreated)
	return cred, err
}

// ListCerts lists tenant's X.509 credentials.
func (c *Client) ListCerts(ctx context.Context, tenant string) ([]CertCredential, error) {
	var creds []CertCredential
	err := c.do(ctx, http.MethodGet, tenantPath(tenant, "credentials", "x509"), nil, &creds, http.StatusOK)
	return creds, err
}

// RevokeCert revokes X.509 credentials.
func (c *Client) RevokeCert(ctx context.Context, tenant, id string) error {
	return c.do(ctx, http.MethodPost, tenantPath(tenant, "credentials", "x509", id, "revoke"), nil, nil, http.StatusNoContent)
}

// tenantPath is /api/v1/tenants/<tenant>/<segments...>, each segment escaped.
func tenantPath(tenant string, segments ...string) string {
	var b strings.Builder
	b.WriteString("/api/v1/tenants/")
	b.WriteString(url.PathEscape(tenant))
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// do sends one call and decodes a `want` answer into out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, in, out any, want int) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.BaseURL, "/")+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("provider api %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("provider api %s %s: read response: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return responseError(resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("provider api %s %s: decode response: %w", method, path, err)
		}
	}
	return nil
}

// responseError turns an error answer into an error wrapping the sentinel of
// its status code, with the server's reason phrase as message.
func responseError(status int, data []byte) error {
	var e restError
	reason := ""
	if json.Unmarshal(data, &e) == nil && e.ReasonPhrase != "" {
		reason = e.ReasonPhrase
	} else {
		reason = strings.TrimSpace(string(data))
		if len(reason) > 200 {
			reason = reason[:200] + "..."
		}
		if reason == "" {
			reason = http.StatusText(status)
		}
	}
	var kind error
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		kind = ErrInvalid
	case http.StatusUnauthorized:
		kind = ErrUnauthorized
	case http.StatusNotFound:
		kind = ErrNotFound
	case http.StatusConflict:
		kind = ErrExists
	default:
		return fmt.Errorf("provider api: %d %s: %s", status, http.StatusText(status), reason)
	}
	return &kindError{kind: kind, msg: reason}
}
