package auth

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// StaticToken authenticates one fixed bearer token as an administrator of
// one tenant with every scope. It is for single-machine setups (`kaactl up`)
// where no identity provider runs; production uses Verifier.
type StaticToken struct {
	Token    string
	TenantID string
}

// Middleware implements the same contract as Verifier.Middleware.
func (s StaticToken) Middleware(scope string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || s.Token == "" ||
			subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.Token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "invalid or missing admin token")
			return
		}
		p := Principal{Tenant: s.TenantID, Subject: "admin", Scopes: []string{scope}}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), p)))
	})
}
