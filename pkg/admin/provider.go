package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kaactl/kaactl/pkg/api"
)

// ProviderClient calls the credential provider's management REST API
// (`kaactl up`, `kaactl serve provider`). Its methods mirror the provider's
// store operations.
type ProviderClient struct{ REST }

// Health reports whether the provider is up and connected to NATS.
func (c *ProviderClient) Health(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/health", nil, nil, http.StatusOK)
}

// CreateApp creates an application of tenant; no versions means NAME-v1.
func (c *ProviderClient) CreateApp(ctx context.Context, tenant, name string, versions []string, autoRegister bool) (api.App, error) {
	return fetch[api.App](ctx, c, http.MethodPost, tenantPath(tenant, "applications"),
		api.AppSpec{Name: name, Versions: versions, AutoRegister: autoRegister}, http.StatusCreated)
}

// ListApps lists tenant's applications.
func (c *ProviderClient) ListApps(ctx context.Context, tenant string) ([]api.App, error) {
	return fetch[[]api.App](ctx, c, http.MethodGet, tenantPath(tenant, "applications"), nil, http.StatusOK)
}

// CreateEndpoint creates an endpoint and returns it with its token ("" has
// the server generate one).
func (c *ProviderClient) CreateEndpoint(ctx context.Context, tenant, app, token string) (api.Endpoint, string, error) {
	return c.CreateEndpointWith(ctx, tenant, app, api.EndpointSpec{Token: token})
}

// CreateEndpointWith is CreateEndpoint with optional metadata.
func (c *ProviderClient) CreateEndpointWith(ctx context.Context, tenant, app string, spec api.EndpointSpec) (api.Endpoint, string, error) {
	ep, err := fetch[api.CreatedEndpoint](ctx, c, http.MethodPost, tenantPath(tenant, "applications", app, "endpoints"), spec, http.StatusCreated)
	return ep.Endpoint, ep.Token, err
}

// ListEndpoints lists the endpoints of tenant's application app.
func (c *ProviderClient) ListEndpoints(ctx context.Context, tenant, app string) ([]api.Endpoint, error) {
	return fetch[[]api.Endpoint](ctx, c, http.MethodGet, tenantPath(tenant, "applications", app, "endpoints"), nil, http.StatusOK)
}

// ListEndpointsPage lists at most limit endpoints of tenant's application
// app from offset on, oldest first, and says how many there are in all.
func (c *ProviderClient) ListEndpointsPage(ctx context.Context, tenant, app string, offset, limit int) ([]api.Endpoint, int, error) {
	req := request{api: "provider api", method: http.MethodGet, want: http.StatusOK,
		path: tenantPath(tenant, "applications", app, "endpoints") + "?" + url.Values{
			"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}.Encode()}
	resp, err := c.open(ctx, req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	var eps []api.Endpoint
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(&eps); err != nil {
		return nil, 0, req.errorf("decode response: %w", err)
	}
	total, err := strconv.Atoi(resp.Header.Get(api.TotalCountHeader))
	if err != nil {
		return nil, 0, req.errorf("no %s header: an older provider without paging?", api.TotalCountHeader)
	}
	return eps, total, nil
}

// ListEndpointsUpTo lists the first limit endpoints (0: every one) of
// tenant's application app, oldest first, and says how many there are in
// all.
func (c *ProviderClient) ListEndpointsUpTo(ctx context.Context, tenant, app string, limit int) ([]api.Endpoint, int, error) {
	if limit <= 0 {
		eps, err := c.ListEndpoints(ctx, tenant, app)
		return eps, len(eps), err
	}
	return c.ListEndpointsPage(ctx, tenant, app, 0, limit)
}

// DeleteEndpoint deletes one endpoint of tenant's application app.
func (c *ProviderClient) DeleteEndpoint(ctx context.Context, tenant, app, endpointID string) error {
	return c.do(ctx, http.MethodDelete, tenantPath(tenant, "applications", app, "endpoints", endpointID), nil, nil, http.StatusNoContent)
}

// deleteBatch is how many endpoint IDs one bulk delete call carries.
const deleteBatch = 1000

// DeleteEndpoints deletes the endpoints ids of tenant's application app, in
// calls of up to 1,000 IDs, and returns how many existed.
func (c *ProviderClient) DeleteEndpoints(ctx context.Context, tenant, app string, ids []string) (int, error) {
	total := 0
	for chunk := range slices.Chunk(ids, deleteBatch) {
		n, err := c.deleteEndpoints(ctx, tenant, app, api.DeleteEndpointsSpec{EndpointIDs: chunk})
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// DeleteNamedEndpoints is DeleteEndpoints for IDs that must all exist: it
// fails with ErrNotFound, saying how many did not, when some did not (the
// others are deleted).
func (c *ProviderClient) DeleteNamedEndpoints(ctx context.Context, tenant, app string, ids []string) (int, error) {
	n, err := c.DeleteEndpoints(ctx, tenant, app, ids)
	if err == nil && n < len(ids) {
		err = fmt.Errorf("deleted %d of %d endpoints: %d %w in application %s", n, len(ids), len(ids)-n, ErrNotFound, app)
	}
	return n, err
}

// DeleteAllEndpoints deletes every endpoint of tenant's application app and
// returns how many there were.
func (c *ProviderClient) DeleteAllEndpoints(ctx context.Context, tenant, app string) (int, error) {
	return c.deleteEndpoints(ctx, tenant, app, api.DeleteEndpointsSpec{All: true})
}

func (c *ProviderClient) deleteEndpoints(ctx context.Context, tenant, app string, spec api.DeleteEndpointsSpec) (int, error) {
	out, err := fetch[api.DeletedEndpoints](ctx, c, http.MethodPost, tenantPath(tenant, "applications", app, "endpoints", "delete"), spec, http.StatusOK)
	return out.Deleted, err
}

// SetEndpointStatus suspends, revokes or re-activates an endpoint.
func (c *ProviderClient) SetEndpointStatus(ctx context.Context, tenant, app, endpointID string, status api.Status) error {
	return c.do(ctx, http.MethodPost, tenantPath(tenant, "applications", app, "endpoints", endpointID, "status"),
		api.StatusSpec{Status: string(status)}, nil, http.StatusNoContent)
}

// CreateBasic creates basic credentials.
func (c *ProviderClient) CreateBasic(ctx context.Context, tenant, username, password string) (api.BasicCredential, error) {
	return c.CreateBasicWith(ctx, tenant, api.BasicSpec{Username: username, Password: password})
}

// CreateBasicWith is CreateBasic with an explicit client ID.
func (c *ProviderClient) CreateBasicWith(ctx context.Context, tenant string, spec api.BasicSpec) (api.BasicCredential, error) {
	return fetch[api.BasicCredential](ctx, c, http.MethodPost, tenantPath(tenant, "credentials", "basic"), spec, http.StatusCreated)
}

// ListBasic lists tenant's basic credentials.
func (c *ProviderClient) ListBasic(ctx context.Context, tenant string) ([]api.BasicCredential, error) {
	return fetch[[]api.BasicCredential](ctx, c, http.MethodGet, tenantPath(tenant, "credentials", "basic"), nil, http.StatusOK)
}

// RevokeBasic revokes basic credentials.
func (c *ProviderClient) RevokeBasic(ctx context.Context, tenant, id string) error {
	return c.do(ctx, http.MethodPost, tenantPath(tenant, "credentials", "basic", id, "revoke"), nil, nil, http.StatusNoContent)
}

// SetBasicStatus suspends, revokes or re-activates basic credentials.
func (c *ProviderClient) SetBasicStatus(ctx context.Context, tenant, id string, status api.Status) error {
	return c.do(ctx, http.MethodPost, tenantPath(tenant, "credentials", "basic", id, "status"),
		api.StatusSpec{Status: string(status)}, nil, http.StatusNoContent)
}

// AddCert registers a PEM certificate as X.509 credentials.
func (c *ProviderClient) AddCert(ctx context.Context, tenant string, pemData []byte) (api.CertCredential, error) {
	return c.AddCertWith(ctx, tenant, api.CertSpec{PEM: string(pemData)})
}

// AddCertBySerial registers X.509 credentials by issuer DN and base-10 serial.
func (c *ProviderClient) AddCertBySerial(ctx context.Context, tenant, issuer, serial string) (api.CertCredential, error) {
	return c.AddCertWith(ctx, tenant, api.CertSpec{Issuer: issuer, Serial: serial})
}

// AddCertWith registers X.509 credentials: spec has a PEM certificate, or
// an issuer DN and a base-10 serial.
func (c *ProviderClient) AddCertWith(ctx context.Context, tenant string, spec api.CertSpec) (api.CertCredential, error) {
	return fetch[api.CertCredential](ctx, c, http.MethodPost, tenantPath(tenant, "credentials", "x509"), spec, http.StatusCreated)
}

// ListCerts lists tenant's X.509 credentials.
func (c *ProviderClient) ListCerts(ctx context.Context, tenant string) ([]api.CertCredential, error) {
	return fetch[[]api.CertCredential](ctx, c, http.MethodGet, tenantPath(tenant, "credentials", "x509"), nil, http.StatusOK)
}

// RevokeCert revokes X.509 credentials.
func (c *ProviderClient) RevokeCert(ctx context.Context, tenant, id string) error {
	return c.do(ctx, http.MethodPost, tenantPath(tenant, "credentials", "x509", id, "revoke"), nil, nil, http.StatusNoContent)
}

// SetCertStatus suspends, revokes or re-activates X.509 credentials.
func (c *ProviderClient) SetCertStatus(ctx context.Context, tenant, id string, status api.Status) error {
	return c.do(ctx, http.MethodPost, tenantPath(tenant, "credentials", "x509", id, "status"),
		api.StatusSpec{Status: string(status)}, nil, http.StatusNoContent)
}

// TenantConfig returns tenant's configuration: its client authentication
// policy per MQTT transport (nothing required when none was set).
func (c *ProviderClient) TenantConfig(ctx context.Context, tenant string) (api.TenantConfig, error) {
	return fetch[api.TenantConfig](ctx, c, http.MethodGet, tenantPath(tenant, "config"), nil, http.StatusOK)
}

// SetTenantConfig replaces tenant's configuration; the provider broadcasts
// it (17/SCMP) and KPC applies it at once.
func (c *ProviderClient) SetTenantConfig(ctx context.Context, tenant string, cfg api.TenantConfig) error {
	return c.do(ctx, http.MethodPut, tenantPath(tenant, "config"), cfg, nil, http.StatusOK)
}

// DeleteTenantConfig drops tenant's configuration.
func (c *ProviderClient) DeleteTenantConfig(ctx context.Context, tenant string) error {
	return c.do(ctx, http.MethodDelete, tenantPath(tenant, "config"), nil, nil, http.StatusNoContent)
}

// do sends one call of the provider API and decodes its answer into out.
func (c *ProviderClient) do(ctx context.Context, method, path string, in, out any, want int) error {
	return c.call(ctx, request{api: "provider api", method: method, path: path, body: in, want: want}, out)
}

// fetch is do for an answer of type T.
func fetch[T any](ctx context.Context, c *ProviderClient, method, path string, in any, want int) (T, error) {
	var out T
	err := c.do(ctx, method, path, in, &out, want)
	return out, err
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
