package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// Tenant is the tenant of the caller that Middleware authenticated, from a
// request's context; together with Middleware it makes a Verifier the
// authenticator a service's management API takes.
func (v *Verifier) Tenant(ctx context.Context) (string, bool) { return tenantOf(ctx) }

// Tenant is Verifier.Tenant for the static admin token.
func (s StaticToken) Tenant(ctx context.Context) (string, bool) { return tenantOf(ctx) }

func tenantOf(ctx context.Context) (string, bool) {
	p, ok := FromContext(ctx)
	return p.Tenant, ok
}

// Authenticator guards a management API: Middleware authenticates the
// bearer token and requires a scope, Tenant tells which tenant the caller
// belongs to. Verifier, StaticToken and Deny are ones.
type Authenticator interface {
	Middleware(scope string, next http.Handler) http.Handler
	Tenant(ctx context.Context) (string, bool)
}

var (
	_ Authenticator = (*Verifier)(nil)
	_ Authenticator = StaticToken{}
	_ Authenticator = Deny{}
)

// NoIssuer is Deny's reason when a service has no way to verify callers.
const NoIssuer = "management API has no token issuer configured (--issuer or --tenant-manager-url)"

// ForIssuers is the authenticator of a service's --issuer ("tenant=URL")
// and --tenant-manager-url flags: a Verifier, or Deny{NoIssuer} with
// neither, so that an unconfigured management API stays closed.
func ForIssuers(issuers []string, tenantManagerURL string, log *slog.Logger) (Authenticator, error) {
	static, err := ParseIssuers(issuers)
	if err != nil {
		return nil, err
	}
	if len(static) == 0 && tenantManagerURL == "" {
		return Deny{Reason: NoIssuer}, nil
	}
	v, err := NewVerifier(Options{StaticIssuers: static, TenantManagerURL: tenantManagerURL, Logger: log})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Deny refuses every call with 401 and Reason: a management API without an
// identity provider configured stays closed instead of open.
type Deny struct{ Reason string }

// Middleware answers 401 without calling next.
func (d Deny) Middleware(_ string, _ http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusUnauthorized, d.Reason)
	})
}

// Tenant knows no caller.
func (Deny) Tenant(context.Context) (string, bool) { return "", false }

// ParseIssuers turns "tenant=URL" pairs (the --issuer flag) into the
// StaticIssuers map.
func ParseIssuers(pairs []string) (map[string]string, error) {
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		tenant, url, ok := strings.Cut(p, "=")
		if !ok || tenant == "" || url == "" {
			return nil, fmt.Errorf("--issuer %q: %w", p, ErrBadIssuer)
		}
		m[tenant] = url
	}
	return m, nil
}
