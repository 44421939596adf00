package auth

import (
	"context"
	"fmt"
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
