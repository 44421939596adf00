// Package auth verifies the bearer JWTs of Kaa management REST calls.
//
// A token's tenant is its issuer's realm (Keycloak: https://idp/auth/realms/<tenant>). The issuer of each
// tenant comes from static config or the Tenant Manager; the token is verified against that issuer's keys,
// found by OIDC discovery.
package auth

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Principal is an authenticated caller.
type Principal struct {
	Tenant  string
	Subject string
	Scopes  []string
}

// HasScope reports whether the principal was granted scope s.
func (p Principal) HasScope(s string) bool { return slices.Contains(p.Scopes, s) }

// Options configures a Verifier.
type Options struct {
	// StaticIssuers maps tenant ID -> issuer URL. Consulted first.
	StaticIssuers map[string]string
	// TenantManagerURL, if set, resolves other tenants: GET {url}/api/v1/tenants/{tenantId} -> JSON with
	// field "issuer" (404 -> unknown tenant). Results are cached for CacheTTL; failures are not cached.
	TenantManagerURL string
	// CacheTTL bounds how long a Tenant Manager answer and an issuer's key set are trusted without a refetch
	// (default 5m).
	CacheTTL time.Duration
	// KeyRefreshInterval is the least time between two JWKS fetches of one issuer, so tokens with made-up
	// key IDs cannot hammer it (default 10s, as Keycloak adapters' min-time-between-jwks-requests).
	KeyRefreshInterval time.Duration
	// HTTPClient talks to the Tenant Manager and the issuers (default: 10s timeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Now is the clock of token expiry and of the caches (default time.Now);
	// tests move it instead of sleeping.
	Now func() time.Time
}

// Defaults.
const (
	DefaultCacheTTL           = 5 * time.Minute
	DefaultKeyRefreshInterval = 10 * time.Second
	DefaultHTTPTimeout        = 10 * time.Second
)

const (
	// leeway absorbs clock skew between us and the issuer on exp, nbf and iat.
	leeway = 30 * time.Second
	// maxTokenLen bounds the work one request can cause; Keycloak tokens with many roles stay well below.
	maxTokenLen = 32 << 10
)

// allowedAlgs are the asymmetric JWS algorithms accepted; "none" and HMAC are never accepted because the
// verification key is public.
var allowedAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512,
	jose.EdDSA,
}

// Verifier verifies bearer tokens of any known tenant. It is safe for concurrent use.
type Verifier struct {
	tenants *tenantDirectory
	client  *http.Client
	refresh time.Duration
	ttl     time.Duration
	log     *slog.Logger
	now     func() time.Time

	mu      sync.Mutex
	issuers map[string]*issuerKeys // by issuer URL; only URLs from config or the Tenant Manager
}

// NewVerifier validates opts and returns a Verifier; the error lists every problem.
func NewVerifier(opts Options) (*Verifier, error) {
	var errs []error
	if len(opts.StaticIssuers) == 0 && opts.TenantManagerURL == "" {
		errs = append(errs, errors.New("auth: no static issuers and no tenant manager URL"))
	}
	byIssuer := make(map[string]string, len(opts.StaticIssuers))
	for tenant, iss := range opts.StaticIssuers {
		if tenant == "" {
			errs = append(errs, errors.New("auth: static issuer with an empty tenant ID"))
		}
		if err := checkURL(iss); err != nil {
			errs = append(errs, fmt.Errorf("auth: issuer of tenant %q: %w", tenant, err))
		}
		if other, dup := byIssuer[iss]; dup {
			errs = append(errs, fmt.Errorf("auth: tenants %q and %q share issuer %q", min(tenant, other), max(tenant, other), iss))
		}
		byIssuer[iss] = tenant
	}
	if opts.TenantManagerURL != "" {
		if err := checkURL(opts.TenantManagerURL); err != nil {
			errs = append(errs, fmt.Errorf("auth: tenant manager URL: %w", err))
		}
	}
	if opts.CacheTTL < 0 || opts.KeyRefreshInterval < 0 {
		errs = append(errs, errors.New("auth: negative cache TTL or key refresh interval"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	ttl := cmp.Or(opts.CacheTTL, DefaultCacheTTL)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Verifier{
		tenants: newTenantDirectory(maps.Clone(opts.StaticIssuers), byIssuer, strings.TrimSuffix(opts.TenantManagerURL, "/"), ttl, client, now),
		now:     now,
		client:  client,
		refresh: cmp.Or(opts.KeyRefreshInterval, DefaultKeyRefreshInterval),
		ttl:     ttl,
		log:     log,
		issuers: make(map[string]*issuerKeys),
	}, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

// tokenClaims are the claims we read beyond the registered ones.
type tokenClaims struct {
	Scope json.RawMessage `json:"scope"`
	Scp   json.RawMessage `json:"scp"`
	// Typ is Keycloak's token type: "Bearer" for access tokens, "ID" or "Refresh" for others.
	Typ json.RawMessage `json:"typ"`
}

// Verify authenticates a raw JWT and returns its principal. The tenant is the realm of the token's iss; the
// token's iss must equal that tenant's issuer exactly, and its signature must verify with the issuer's keys.
func (v *Verifier) Verify(ctx context.Context, raw string) (Principal, error) {
	if raw == "" {
		return Principal{}, ErrNoToken
	}
	if len(raw) > maxTokenLen {
		return Principal{}, fmt.Errorf("%w: token too long", ErrInvalidToken)
	}
	tok, err := jwt.ParseSigned(raw, allowedAlgs)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %s", ErrInvalidToken, parseFailure(raw))
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return Principal{}, fmt.Errorf("%w: malformed claims", ErrInvalidToken)
	}
	if unverified.Issuer == "" {
		return Principal{}, fmt.Errorf("%w: no iss claim", ErrInvalidToken)
	}

	tenant, issuer, err := v.tenants.resolve(ctx, unverified.Issuer)
	if err != nil {
		return Principal{}, err
	}
	if unverified.Issuer != issuer {
		return Principal{}, fmt.Errorf("%w: token not issued by the issuer of tenant %q", ErrIssuerMismatch, tenant)
	}

	hdr := tok.Headers[0]
	keys, err := v.keysOf(issuer).lookup(ctx, hdr.KeyID, hdr.Algorithm)
	if err != nil {
		return Principal{}, err
	}
	if len(keys) == 0 {
		return Principal{}, fmt.Errorf("%w: unknown signing key", ErrInvalidToken)
	}
	var (
		std    jwt.Claims
		custom tokenClaims
		sigErr error
	)
	for _, k := range keys {
		if sigErr = tok.Claims(k.Key, &std, &custom); sigErr == nil {
			break
		}
	}
	if sigErr != nil {
		return Principal{}, fmt.Errorf("%w: signature verification failed", ErrInvalidToken)
	}
	if std.Expiry == nil {
		return Principal{}, fmt.Errorf("%w: no exp claim", ErrInvalidToken)
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Time: v.now()}, leeway); err != nil {
		return Principal{}, fmt.Errorf("%w: %s", ErrInvalidToken, validationFailure(err))
	}
	if len(custom.Typ) > 0 {
		// Keycloak signs ID tokens with the same key; like its adapters, accept only access tokens.
		var typ string
		if json.Unmarshal(custom.Typ, &typ) != nil || !strings.EqualFold(typ, "Bearer") {
			return Principal{}, fmt.Errorf("%w: not an access token", ErrInvalidToken)
		}
	}
	scopes, err := scopesOf(custom)
	if err != nil {
		return Principal{}, err
	}
	return Principal{Tenant: tenant, Subject: std.Subject, Scopes: scopes}, nil
}

// keysOf returns the (lazily discovered) key set of a trusted issuer URL.
func (v *Verifier) keysOf(issuer string) *issuerKeys {
	v.mu.Lock()
	defer v.mu.Unlock()
	k, ok := v.issuers[issuer]
	if !ok {
		k = newIssuerKeys(issuer, v.client, v.refresh, v.ttl, v.log, v.now)
		v.issuers[issuer] = k
	}
	return k
}

// parseFailure says why go-jose refused a token without echoing any of it.
func parseFailure(raw string) string {
	head, _, ok := strings.Cut(raw, ".")
	if !ok {
		return "malformed token"
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return "malformed token"
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(b, &h) != nil {
		return "malformed token"
	}
	if !slices.Contains(allowedAlgs, jose.SignatureAlgorithm(h.Alg)) {
		return "signing algorithm not allowed"
	}
	return "malformed token"
}

func validationFailure(err error) string {
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrNotValidYet):
		return "token not valid yet"
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return "token issued in the future"
	default:
		return "claims rejected"
	}
}

// scopesOf merges the space-separated "scope" claim and the "scp" claim (an array, or a space-separated
// string as some issuers send it).
func scopesOf(c tokenClaims) ([]string, error) {
	var out []string
	add := func(s ...string) {
		for _, x := range s {
			if x != "" && !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	for _, raw := range []json.RawMessage{c.Scope, c.Scp} {
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			add(strings.Fields(s)...)
			continue
		}
		var list []string
		if json.Unmarshal(raw, &list) != nil {
			return nil, fmt.Errorf("%w: scope claim is neither a string nor a list of strings", ErrInvalidToken)
		}
		for _, s := range list {
			add(strings.Fields(s)...)
		}
	}
	return out, nil
}
