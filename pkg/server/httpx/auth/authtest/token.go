package authtest

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// client is a confidential client of the token endpoint.
type client struct {
	secret string
	scopes []string
}

// TokenTTL is the lifetime of the tokens the token endpoint issues.
const TokenTTL = 5 * time.Minute

// AddClient registers a confidential client for the client credentials
// grant at {URL}/protocol/openid-connect/token (Keycloak's path, named by
// discovery as token_endpoint); its tokens carry scopes and the subject
// service-account-<id>.
func (i *Issuer) AddClient(id, secret string, scopes ...string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.clients[id] = client{secret: secret, scopes: scopes}
}

// serveToken answers the client credentials grant as RFC 6749 §4.4 says:
// client_secret_basic or client_secret_post, errors as {"error": ...}.
func (i *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok { // RFC 6749 §2.3.1: form-encoded before Basic
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	i.mu.Lock()
	c, known := i.clients[id]
	sk := i.signing
	i.mu.Unlock()
	if !known || subtle.ConstantTimeCompare([]byte(secret), []byte(c.secret)) != 1 {
		tokenError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	raw, err := signClaims(sk, i.Claims("service-account-"+id, TokenTTL, c.scopes...))
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error")
		return
	}
	writeJSON(w, map[string]any{"access_token": raw, "token_type": "Bearer", "expires_in": int(TokenTTL.Seconds()), "scope": strings.Join(c.scopes, " ")})
}

func tokenError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	writeJSON(w, map[string]string{"error": code})
}
