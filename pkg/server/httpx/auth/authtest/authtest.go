// Package authtest runs fake Keycloak-style OAuth issuers and a fake Tenant Manager on httptest servers, so
// tests exercise the real discovery, JWKS and signature paths of package auth.
package authtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issuer serves OIDC discovery and a JWKS for one realm on an httptest.Server, like Keycloak at
// {URL}/.well-known/openid-configuration and {URL}/protocol/openid-connect/certs.
type Issuer struct {
	// URL is the issuer, e.g. http://127.0.0.1:PORT/auth/realms/<tenant>.
	URL string
	// Tenant is the realm.
	Tenant string

	srv         *httptest.Server
	jwksFetches atomic.Int64

	mu        sync.Mutex
	signing   signingKey
	published []jose.JSONWebKey
	clients   map[string]client // client ID -> client of the token endpoint
}

type signingKey struct {
	kid string
	alg jose.SignatureAlgorithm
	key crypto.Signer
}

// NewIssuer starts an issuer for tenant with a fresh RSA key (RS256); the server stops at test cleanup.
func NewIssuer(t testing.TB, tenant string) *Issuer {
	t.Helper()
	i := &Issuer{Tenant: tenant, clients: map[string]client{}}
	realmPath := "/auth/realms/" + tenant
	i.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == realmPath+"/protocol/openid-connect/token":
			i.serveToken(w, r)
		case r.Method != http.MethodGet:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		case r.URL.Path == realmPath+"/.well-known/openid-configuration":
			writeJSON(w, map[string]any{
				"issuer":                                i.URL,
				"jwks_uri":                              i.URL + "/protocol/openid-connect/certs",
				"token_endpoint":                        i.URL + "/protocol/openid-connect/token",
				"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
			})
		case r.URL.Path == realmPath+"/protocol/openid-connect/certs":
			i.jwksFetches.Add(1)
			i.mu.Lock()
			set := jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey(nil), i.published...)}
			i.mu.Unlock()
			writeJSON(w, set)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(i.srv.Close)
	i.URL = i.srv.URL + "/auth/realms/" + url.PathEscape(tenant)
	i.Rotate(t, nil)
	// Keycloak also publishes an encryption key; verifiers must not use it for signatures.
	i.mu.Lock()
	i.published = append(i.published, jose.JSONWebKey{
		Key: i.signing.key.Public(), KeyID: newID(), Algorithm: string(jose.RSA_OAEP), Use: "enc",
	})
	i.mu.Unlock()
	return i
}

// Rotate makes key (nil: a new RSA-2048 key; also *ecdsa.PrivateKey or ed25519.PrivateKey) the signing key
// under a new kid. Older keys stay published, as Keycloak keeps passive keys.
func (i *Issuer) Rotate(t testing.TB, key crypto.Signer) {
	t.Helper()
	if key == nil {
		key = newRSAKey(t)
	}
	sk := signingKey{kid: newID(), alg: algOf(t, key), key: key}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.signing = sk
	i.published = append(i.published, jose.JSONWebKey{Key: key.Public(), KeyID: sk.kid, Algorithm: string(sk.alg), Use: "sig"})
}

// KeyID is the kid of the current signing key.
func (i *Issuer) KeyID() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.signing.kid
}

// JWKSFetches counts the JWKS downloads served so far.
func (i *Issuer) JWKSFetches() int { return int(i.jwksFetches.Load()) }

// Close stops the issuer's server, to test an unreachable issuer. Cleanup closes it anyway.
func (i *Issuer) Close() { i.srv.Close() }

// Token mints a signed access token for subject with scopes (space-separated "scope" claim), valid for ttl;
// a negative ttl gives an already expired token.
func (i *Issuer) Token(t testing.TB, subject string, ttl time.Duration, scopes ...string) string {
	t.Helper()
	return i.Sign(t, i.Claims(subject, ttl, scopes...))
}

// ForeignToken mints a token like Token (valid 5m) but signed by a fresh key under a new kid that the issuer
// never publishes.
func (i *Issuer) ForeignToken(t testing.TB, subject string, scopes ...string) string {
	t.Helper()
	key := newRSAKey(t)
	return sign(t, signingKey{kid: newID(), alg: jose.RS256, key: key}, i.Claims(subject, 5*time.Minute, scopes...))
}

// ImpostorToken mints a token like Token (valid 5m) under the current kid but signed by a fresh, unpublished
// key: a forged signature for a known key.
func (i *Issuer) ImpostorToken(t testing.TB, subject string, scopes ...string) string {
	t.Helper()
	return sign(t, signingKey{kid: i.KeyID(), alg: jose.RS256, key: newRSAKey(t)}, i.Claims(subject, 5*time.Minute, scopes...))
}

// Claims returns the claims Token would sign, for tests that change some before calling Sign.
func (i *Issuer) Claims(subject string, ttl time.Duration, scopes ...string) map[string]any {
	now := time.Now()
	iat := now
	if ttl < 0 {
		iat = now.Add(ttl - time.Minute)
	}
	return map[string]any{
		"iss":   i.URL,
		"sub":   subject,
		"aud":   "account",
		"azp":   "kaa-frontend",
		"typ":   "Bearer",
		"jti":   newID(),
		"iat":   iat.Unix(),
		"exp":   now.Add(ttl).Unix(),
		"scope": strings.Join(scopes, " "),
	}
}

// Sign signs arbitrary claims with the issuer's current key.
func (i *Issuer) Sign(t testing.TB, claims map[string]any) string {
	t.Helper()
	i.mu.Lock()
	sk := i.signing
	i.mu.Unlock()
	return sign(t, sk, claims)
}

// NewTenantManager serves GET /api/v1/tenants/{id} -> {"id":..,"issuer":..} for the given issuers' tenants
// (404 for others) and returns its base URL; the server stops at test cleanup.
func NewTenantManager(t testing.TB, issuers ...*Issuer) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/tenants/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		for _, i := range issuers {
			if i.Tenant == id {
				writeJSON(w, map[string]string{"id": id, "issuer": i.URL})
				return
			}
		}
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func sign(t testing.TB, sk signingKey, claims map[string]any) string {
	t.Helper()
	raw, err := signClaims(sk, claims)
	if err != nil {
		t.Fatalf("authtest: %v", err)
	}
	return raw
}

func signClaims(sk signingKey, claims map[string]any) (string, error) {
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: sk.alg, Key: jose.JSONWebKey{Key: sk.key, KeyID: sk.kid}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return "", fmt.Errorf("signer: %w", err)
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

func algOf(t testing.TB, key crypto.Signer) jose.SignatureAlgorithm {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return jose.RS256
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256():
			return jose.ES256
		case elliptic.P384():
			return jose.ES384
		case elliptic.P521():
			return jose.ES512
		}
	case ed25519.PrivateKey:
		return jose.EdDSA
	}
	t.Fatalf("authtest: unsupported signing key %T", key)
	return ""
}

func newRSAKey(t testing.TB) *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("authtest: rsa key: %v", err)
	}
	return key
}

// newID returns a random key or token ID.
func newID() string { return rand.Text() }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
