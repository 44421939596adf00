package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

type principalKey struct{}

// NewContext returns ctx carrying p; handler tests use it to stand in for Middleware.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the Principal that Middleware put into a request's context.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Middleware authenticates requests by their bearer token and requires scope ("" requires none). A missing
// or garbled header or an invalid token gets 401 with a WWW-Authenticate challenge; a valid token without the
// scope gets 403; an unreachable issuer or Tenant Manager gets 503. Error bodies are Kaa's
// {"statusCode":..,"reasonPhrase":..}. The Principal goes into the request context (see FromContext).
func (v *Verifier) Middleware(scope string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := v.authenticate(r)
		if err != nil {
			v.reject(w, r, err)
			return
		}
		if scope != "" && !p.HasScope(scope) {
			v.log.Debug("bearer token lacks scope", "tenant", p.Tenant, "scope", scope, "path", r.URL.Path)
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+headerSafe(scope)+`"`)
			writeError(w, http.StatusForbidden, fmt.Sprintf("scope %q required", scope))
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), p)))
	})
}

func (v *Verifier) authenticate(r *http.Request) (Principal, error) {
	raw, err := bearerToken(r.Header)
	if err != nil {
		return Principal{}, err
	}
	return v.Verify(r.Context(), raw)
}

// bearerToken extracts the token of a single "Authorization: Bearer <token>" header.
func bearerToken(h http.Header) (string, error) {
	vals := h.Values("Authorization")
	switch {
	case len(vals) == 0:
		return "", fmt.Errorf("%w: no Authorization header", ErrNoToken)
	case len(vals) > 1:
		return "", fmt.Errorf("%w: more than one Authorization header", ErrNoToken)
	}
	scheme, tok, _ := strings.Cut(vals[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("%w: Authorization is not a bearer token", ErrNoToken)
	}
	if tok = strings.TrimSpace(tok); tok == "" {
		return "", fmt.Errorf("%w: empty bearer token", ErrNoToken)
	}
	return tok, nil
}

// reject answers a failed authentication. Error texts are ours and never contain the token.
func (v *Verifier) reject(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrIssuerUnavailable) {
		if r.Context().Err() == nil {
			v.log.Warn("cannot verify bearer token", "path", r.URL.Path, "err", err)
		}
		// The cause names internal URLs; the caller only learns that it may retry.
		writeError(w, http.StatusServiceUnavailable, ErrIssuerUnavailable.Error())
		return
	}
	v.log.Debug("bearer token rejected", "path", r.URL.Path, "err", err)
	desc := err.Error()
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+headerSafe(desc)+`"`)
	writeError(w, http.StatusUnauthorized, desc)
}

func writeError(w http.ResponseWriter, status int, reason string) {
	body, _ := json.Marshal(struct {
		StatusCode   int    `json:"statusCode"`
		ReasonPhrase string `json:"reasonPhrase"`
	}{status, reason})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// headerSafe keeps s inside an RFC 6750 quoted string: printable ASCII without '"' and '\'.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r == '\\' || r < 0x20 || r > 0x7e:
			return '?'
		}
		return r
	}, s)
}
