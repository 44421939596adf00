package auth

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"
)

// maxRealmLen bounds a realm taken from an untrusted token before it reaches a URL or a log line.
const maxRealmLen = 255

// tenantDirectory maps a token's iss to a tenant and that tenant's trusted issuer URL.
type tenantDirectory struct {
	static     map[string]string // tenant -> issuer
	byIssuer   map[string]string // issuer -> tenant
	managerURL string            // without trailing slash; "" disables the Tenant Manager
	ttl        time.Duration
	client     *http.Client
	now        func() time.Time

	mu    sync.Mutex
	cache map[string]cachedIssuer // tenant -> Tenant Manager answer; only successes are cached
}

type cachedIssuer struct {
	issuer  string
	expires time.Time
}

func newTenantDirectory(static, byIssuer map[string]string, managerURL string, ttl time.Duration, client *http.Client, now func() time.Time) *tenantDirectory {
	return &tenantDirectory{
		now:        now,
		static:     static,
		byIssuer:   byIssuer,
		managerURL: managerURL,
		ttl:        ttl,
		client:     client,
		cache:      make(map[string]cachedIssuer),
	}
}

// resolve returns the tenant named by iss and the issuer configured for it. A static issuer equal to iss
// wins; otherwise the tenant is iss's realm, looked up in static config, then in the Tenant Manager. The
// caller still compares iss with the returned issuer.
func (d *tenantDirectory) resolve(ctx context.Context, iss string) (tenant, issuer string, err error) {
	if t, ok := d.byIssuer[iss]; ok {
		return t, iss, nil
	}
	realm, ok := realmOf(iss)
	if !ok {
		return "", "", fmt.Errorf("%w: issuer names no realm", ErrUnknownTenant)
	}
	if is, ok := d.static[realm]; ok {
		return realm, is, nil
	}
	if d.managerURL == "" {
		return "", "", fmt.Errorf("%w %q", ErrUnknownTenant, realm)
	}
	is, err := d.fromManager(ctx, realm)
	if err != nil {
		return "", "", err
	}
	return realm, is, nil
}

// fromManager asks the Tenant Manager for a tenant's issuer, through a TTL cache.
func (d *tenantDirectory) fromManager(ctx context.Context, tenant string) (string, error) {
	now := d.now()
	d.mu.Lock()
	c, ok := d.cache[tenant]
	d.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.issuer, nil
	}

	var t struct {
		Issuer string `json:"issuer"`
	}
	status, err := getJSON(ctx, d.client, d.managerURL+"/api/v1/tenants/"+url.PathEscape(tenant), &t)
	switch {
	case status == http.StatusNotFound:
		return "", fmt.Errorf("%w %q", ErrUnknownTenant, tenant)
	case err != nil:
		return "", fmt.Errorf("%w: tenant manager: %w", ErrIssuerUnavailable, err)
	case t.Issuer == "":
		return "", fmt.Errorf("%w %q: tenant has no issuer", ErrUnknownTenant, tenant)
	}
	if err := checkURL(t.Issuer); err != nil {
		return "", fmt.Errorf("%w: tenant manager: tenant %q: %w", ErrIssuerUnavailable, tenant, err)
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	for k, e := range d.cache {
		if !now.Before(e.expires) {
			delete(d.cache, k)
		}
	}
	d.cache[tenant] = cachedIssuer{issuer: t.Issuer, expires: now.Add(d.ttl)}
	return t.Issuer, nil
}

// realmOf returns the Keycloak realm of an issuer URL: the single path segment after the last "/realms/".
func realmOf(iss string) (string, bool) {
	u, err := url.Parse(iss)
	if err != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	i := strings.LastIndex(u.Path, "/realms/")
	if i < 0 {
		return "", false
	}
	realm := u.Path[i+len("/realms/"):]
	if realm == "" || realm == "." || realm == ".." || len(realm) > maxRealmLen || strings.Contains(realm, "/") ||
		strings.ContainsFunc(realm, func(r rune) bool { return !unicode.IsPrint(r) || r == unicode.ReplacementChar }) {
		return "", false
	}
	return realm, true
}
