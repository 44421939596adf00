package auth_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth/authtest"
)

const readScope = "endpoint:read"

func TestMiddleware(t *testing.T) {
	kaa := authtest.NewIssuer(t, "kaa")
	acme := authtest.NewIssuer(t, "acme")
	ghost := authtest.NewIssuer(t, "ghost") // known to no configuration
	ec := authtest.NewIssuer(t, "ec")
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec.Rotate(t, ecKey)
	tenantManager := authtest.NewTenantManager(t, kaa, acme)
	downManager := httptest.NewServer(http.NotFoundHandler())
	downManager.Close()
	down := authtest.NewIssuer(t, "down")
	downToken := down.Token(t, "alice", time.Minute, readScope)
	down.Close()

	static := auth.Options{StaticIssuers: map[string]string{"kaa": kaa.URL, "ec": ec.URL}}
	viaManager := auth.Options{TenantManagerURL: tenantManager}

	tests := []struct {
		name   string
		opts   auth.Options
		header func(t *testing.T) string // the Authorization header; "" sends none
		status int
		err    error // what Verify returns for the bearer token, if there is one
		want   auth.Principal
	}{
		{
			name:   "valid",
			opts:   static,
			header: bearer(func(t *testing.T) string { return kaa.Token(t, "alice", time.Minute, readScope, "endpoint:delete") }),
			status: http.StatusOK,
			want:   auth.Principal{Tenant: "kaa", Subject: "alice", Scopes: []string{readScope, "endpoint:delete"}},
		},
		{
			name:   "ES256",
			opts:   static,
			header: bearer(func(t *testing.T) string { return ec.Token(t, "eve", time.Minute, readScope) }),
			status: http.StatusOK,
			want:   auth.Principal{Tenant: "ec", Subject: "eve", Scopes: []string{readScope}},
		},
		{
			name:   "lower-case scheme",
			opts:   static,
			header: func(t *testing.T) string { return "bearer " + kaa.Token(t, "alice", time.Minute, readScope) },
			status: http.StatusOK,
			want:   auth.Principal{Tenant: "kaa", Subject: "alice", Scopes: []string{readScope}},
		},
		{
			name: "scp array",
			opts: static,
			header: bearerWith(kaa, kaa.Claims("svc", time.Minute), func(c map[string]any) {
				delete(c, "scope")
				c["scp"] = []string{readScope}
			}),
			status: http.StatusOK,
			want:   auth.Principal{Tenant: "kaa", Subject: "svc", Scopes: []string{readScope}},
		},
		{
			name:   "expired within leeway",
			opts:   static,
			header: bearer(func(t *testing.T) string { return kaa.Token(t, "alice", -10*time.Second, readScope) }),
			status: http.StatusOK,
			want:   auth.Principal{Tenant: "kaa", Subject: "alice", Scopes: []string{readScope}},
		},
		{
			name:   "no header",
			opts:   static,
			header: func(*testing.T) string { return "" },
			status: http.StatusUnauthorized,
		},
		{
			name:   "basic scheme",
			opts:   static,
			header: func(*testing.T) string { return "Basic x" },
			status: http.StatusUnauthorized,
		},
		{
			name:   "empty bearer",
			opts:   static,
			header: func(*testing.T) string { return "Bearer " },
			status: http.StatusUnauthorized,
		},
		{
			name:   "garbage",
			opts:   static,
			header: bearer(func(*testing.T) string { return "abc.def.ghi" }),
			status: http.StatusUnauthorized,
			err:    auth.ErrInvalidToken,
		},
		{
			name:   "expired",
			opts:   static,
			header: bearer(func(t *testing.T) string { return kaa.Token(t, "alice", -time.Hour, readScope) }),
			status: http.StatusUnauthorized,
			err:    auth.ErrInvalidToken,
		},
		{
			name: "not yet valid",
			opts: static,
			header: bearerWith(kaa, kaa.Claims("alice", time.Hour, readScope), func(c map[string]any) {
				c["nbf"] = time.Now().Add(10 * time.Minute).Unix()
			}),
			status: http.StatusUnauthorized,
			err:    auth.ErrInvalidToken,
		},
		{
			name:   "no exp",
			opts:   static,
			header: bearerWith(kaa, kaa.Claims("alice", time.Hour, readScope), func(c map[string]any) { delete(c, "exp") }),
			status: http.StatusUnauthorized,
			err:    auth.ErrInvalidToken,
		},
		{
			name:   "ID token",
			opts:   static,
			header: bearerWith(kaa, kaa.Claims("alice", time.Minute, readScope), func(c map[string]any) { c["typ"] = "ID" }),
			status: http.StatusUnauthorized,
			err:    auth.ErrInvalidToken,
		},
		{
			name:   "unknown key",
			opts:   static,
			header: bearer(func(t *testing.T) string { return kaa.ForeignToken(t, "mallory", readScope) }),
			status: http.StatusUnauthorized,
			err:    auth.ErrInvalidToken,
		},
		{
			name:   "forged signature, known kid",
			opts:   static,
			header: bearer(func(t *testing.T) string { return kaa.ImpostorToken(t, "mallory", readScope) }),
			status: http.StatusUnauthorized,
			err:    auth.ErrInvalidToken,
		},
		{
			name: "alg none",
			opts: static,
			header: bearer(func(t *testing.T) string {
				return unsignedToken(map[string]any{"alg": "none", "typ": "JWT"}, kaa.Claims("mallory", time.Hour, readScope), nil)
			}),
			status: http.StatusUnauthorized,
			err:    auth.ErrInvalidToken,
		},
		{
			name: "HS256",
			opts: static,
			header: bearer(func(t *testing.T) string {
				hdr := map[string]any{"alg": "HS256", "typ": "JWT", "kid": kaa.KeyID()}
				return unsignedToken(hdr, kaa.Claims("mallory", time.Hour, readScope), []byte("secret"))
			}),
			status: http.StatusUnauthorized,
			err:    auth.ErrInvalidToken,
		},
		{
			name:   "tenant not configured",
			opts:   static,
			header: bearer(func(t *testing.T) string { return acme.Token(t, "bob", time.Minute, readScope) }),
			status: http.StatusUnauthorized,
			err:    auth.ErrUnknownTenant,
		},
		{
			name:   "claims tenant A, signed by B",
			opts:   static,
			header: bearer(func(t *testing.T) string { return acme.Sign(t, kaa.Claims("bob", time.Minute, readScope)) }),
			status: http.StatusUnauthorized,
			err:    auth.ErrInvalidToken,
		},
		{
			name: "realm of A, other issuer",
			opts: static,
			header: bearerWith(kaa, kaa.Claims("alice", time.Minute, readScope), func(c map[string]any) {
				c["iss"] = "https://idp.example/auth/realms/kaa"
			}),
			status: http.StatusUnauthorized,
			err:    auth.ErrIssuerMismatch,
		},
		{
			name:   "missing scope",
			opts:   static,
			header: bearer(func(t *testing.T) string { return kaa.Token(t, "alice", time.Minute, "endpoint:delete") }),
			status: http.StatusForbidden,
		},
		{
			name:   "tenant manager",
			opts:   viaManager,
			header: bearer(func(t *testing.T) string { return acme.Token(t, "bob", time.Minute, readScope) }),
			status: http.StatusOK,
			want:   auth.Principal{Tenant: "acme", Subject: "bob", Scopes: []string{readScope}},
		},
		{
			name:   "tenant manager 404",
			opts:   viaManager,
			header: bearer(func(t *testing.T) string { return ghost.Token(t, "bob", time.Minute, readScope) }),
			status: http.StatusUnauthorized,
			err:    auth.ErrUnknownTenant,
		},
		{
			name:   "tenant manager down",
			opts:   auth.Options{TenantManagerURL: downManager.URL},
			header: bearer(func(t *testing.T) string { return acme.Token(t, "bob", time.Minute, readScope) }),
			status: http.StatusServiceUnavailable,
			err:    auth.ErrIssuerUnavailable,
		},
		{
			name:   "issuer down",
			opts:   auth.Options{StaticIssuers: map[string]string{"down": down.URL}},
			header: bearer(func(*testing.T) string { return downToken }),
			status: http.StatusServiceUnavailable,
			err:    auth.ErrIssuerUnavailable,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := tt.header(t)
			v, err := auth.NewVerifier(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if tok, ok := strings.CutPrefix(header, "Bearer "); ok && tok != "" {
				p, err := v.Verify(context.Background(), tok)
				if !errors.Is(err, tt.err) {
					t.Fatalf("Verify error = %v, want %v", err, tt.err)
				}
				if tt.status == http.StatusOK && !reflect.DeepEqual(p, tt.want) {
					t.Fatalf("Verify = %+v, want %+v", p, tt.want)
				}
			}

			v, err = auth.NewVerifier(tt.opts) // fresh caches: the request must do all the work itself
			if err != nil {
				t.Fatal(err)
			}
			status, hdr, body := do(t, v, header)
			t.Logf("%d %q %s", status, hdr.Get("WWW-Authenticate"), bytes.TrimSpace(body))
			if status != tt.status {
				t.Fatalf("status = %d, want %d; body %s", status, tt.status, body)
			}
			switch status {
			case http.StatusOK:
				var got auth.Principal
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("principal = %+v, want %+v", got, tt.want)
				}
				return
			case http.StatusUnauthorized:
				if c := hdr.Get("WWW-Authenticate"); !strings.HasPrefix(c, `Bearer error="invalid_token", error_description="`) {
					t.Fatalf("WWW-Authenticate = %q", c)
				}
			}
			var kaaErr struct {
				StatusCode   int    `json:"statusCode"`
				ReasonPhrase string `json:"reasonPhrase"`
			}
			if err := json.Unmarshal(body, &kaaErr); err != nil || kaaErr.StatusCode != status || kaaErr.ReasonPhrase == "" {
				t.Fatalf("error body %s (%v)", body, err)
			}
			if hdr.Get("Content-Type") != "application/json" {
				t.Fatalf("Content-Type = %q", hdr.Get("Content-Type"))
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	kaa := authtest.NewIssuer(t, "kaa")
	clock := authtest.NewClock()
	v, err := auth.NewVerifier(auth.Options{
		StaticIssuers:      map[string]string{"kaa": kaa.URL},
		KeyRefreshInterval: time.Second,
		Now:                clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	old := kaa.Token(t, "alice", time.Minute, readScope)
	mustVerify(t, v, old)
	oldKID := kaa.KeyID()

	kaa.Rotate(t, nil)
	if kaa.KeyID() == oldKID {
		t.Fatal("rotation kept the kid")
	}
	clock.Advance(time.Second) // past the refresh interval
	mustVerify(t, v, kaa.Token(t, "alice", time.Minute, readScope))
	mustVerify(t, v, old) // the old key stays published, like a Keycloak passive key
	if n := kaa.JWKSFetches(); n != 2 {
		t.Fatalf("JWKS fetched %d times, want 2", n)
	}
}

func TestUnknownKeyRefetchIsRateLimited(t *testing.T) {
	kaa := authtest.NewIssuer(t, "kaa")
	v, err := auth.NewVerifier(auth.Options{StaticIssuers: map[string]string{"kaa": kaa.URL}})
	if err != nil {
		t.Fatal(err)
	}
	mustVerify(t, v, kaa.Token(t, "alice", time.Minute))
	for range 5 {
		if _, err := v.Verify(context.Background(), kaa.ForeignToken(t, "mallory")); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("foreign token: %v", err)
		}
	}
	if n := kaa.JWKSFetches(); n != 1 {
		t.Fatalf("JWKS fetched %d times, want 1", n)
	}
}

func TestCachedKeysSurviveIssuerOutage(t *testing.T) {
	kaa := authtest.NewIssuer(t, "kaa")
	clock := authtest.NewClock()
	v, err := auth.NewVerifier(auth.Options{
		StaticIssuers:      map[string]string{"kaa": kaa.URL},
		CacheTTL:           time.Second, // stepped past below, so every Verify wants a refetch
		KeyRefreshInterval: time.Second,
		Now:                clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok := kaa.Token(t, "alice", time.Minute, readScope)
	mustVerify(t, v, tok)
	kaa.Close()
	for range 3 {
		clock.Advance(time.Second)
		mustVerify(t, v, tok)
	}
	if _, err := v.Verify(context.Background(), kaa.ForeignToken(t, "mallory")); !errors.Is(err, auth.ErrIssuerUnavailable) {
		t.Fatalf("unknown kid while the issuer is down: %v", err)
	}
}

func TestConcurrentFirstUse(t *testing.T) {
	kaa := authtest.NewIssuer(t, "kaa")
	acme := authtest.NewIssuer(t, "acme")
	v, err := auth.NewVerifier(auth.Options{
		StaticIssuers:    map[string]string{"kaa": kaa.URL},
		TenantManagerURL: authtest.NewTenantManager(t, acme),
	})
	if err != nil {
		t.Fatal(err)
	}
	tokens := []string{kaa.Token(t, "alice", time.Minute), acme.Token(t, "bob", time.Minute)}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), tokens[i%2])
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if kaa.JWKSFetches() != 1 || acme.JWKSFetches() != 1 {
		t.Fatalf("JWKS fetches: kaa %d, acme %d; want 1 each", kaa.JWKSFetches(), acme.JWKSFetches())
	}
}

func TestLogsNeverHoldTokens(t *testing.T) {
	kaa := authtest.NewIssuer(t, "kaa")
	down := authtest.NewIssuer(t, "down")
	down.Close()
	var logs bytes.Buffer
	v, err := auth.NewVerifier(auth.Options{
		StaticIssuers: map[string]string{"kaa": kaa.URL, "down": down.URL},
		Logger:        slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	tokens := []string{
		kaa.Token(t, "alice", time.Minute, readScope),
		kaa.Token(t, "alice", time.Minute),
		kaa.Token(t, "alice", -time.Hour, readScope),
		kaa.ForeignToken(t, "mallory", readScope),
		down.Token(t, "alice", time.Minute, readScope),
	}
	for _, tok := range tokens {
		do(t, v, "Bearer "+tok)
	}
	if logs.Len() == 0 {
		t.Fatal("nothing logged")
	}
	for _, tok := range tokens {
		for _, part := range strings.Split(tok, ".") {
			if strings.Contains(logs.String(), part) {
				t.Fatalf("log holds token part %q:\n%s", part, logs.String())
			}
		}
	}
}

func TestNewVerifierValidates(t *testing.T) {
	tests := []struct {
		name string
		opts auth.Options
	}{
		{"nothing configured", auth.Options{}},
		{"relative issuer", auth.Options{StaticIssuers: map[string]string{"kaa": "/auth/realms/kaa"}}},
		{"empty tenant", auth.Options{StaticIssuers: map[string]string{"": "https://idp/auth/realms/kaa"}}},
		{"shared issuer", auth.Options{StaticIssuers: map[string]string{"a": "https://idp/r", "b": "https://idp/r"}}},
		{"bad tenant manager", auth.Options{TenantManagerURL: "tm:8080"}},
		{"negative TTL", auth.Options{TenantManagerURL: "http://tm", CacheTTL: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := auth.NewVerifier(tt.opts); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	kaa := authtest.NewIssuer(f, "kaa")
	acme := authtest.NewIssuer(f, "acme")
	v, err := auth.NewVerifier(auth.Options{
		StaticIssuers:    map[string]string{"kaa": kaa.URL},
		TenantManagerURL: authtest.NewTenantManager(f, acme),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(kaa.Token(f, "alice", time.Minute, readScope))
	f.Add(acme.Token(f, "bob", time.Minute, readScope))
	f.Add(kaa.ForeignToken(f, "mallory"))
	f.Add(unsignedToken(map[string]any{"alg": "none"}, kaa.Claims("mallory", time.Hour), nil))
	f.Fuzz(func(t *testing.T, raw string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p, err := v.Verify(ctx, raw)
		if err == nil && p.Tenant == "" {
			t.Fatalf("verified without a tenant: %+v", p)
		}
	})
}

func mustVerify(t *testing.T, v *auth.Verifier, tok string) {
	t.Helper()
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
}

func bearer(token func(t *testing.T) string) func(t *testing.T) string {
	return func(t *testing.T) string { return "Bearer " + token(t) }
}

// bearerWith is the Authorization header of claims, changed by edit, then
// signed by iss.
func bearerWith(iss *authtest.Issuer, claims map[string]any, edit func(map[string]any)) func(t *testing.T) string {
	edit(claims)
	return bearer(func(t *testing.T) string { return iss.Sign(t, claims) })
}

// do sends one request with the Authorization header (none if "") through Middleware(readScope) on a real
// server whose handler echoes the Principal.
func do(t *testing.T, v *auth.Verifier, authorization string) (int, http.Header, []byte) {
	t.Helper()
	srv := httptest.NewServer(v.Middleware(readScope, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.FromContext(r.Context())
		if !ok {
			http.Error(w, "no principal", http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(p)
	})))
	defer srv.Close()
	resp, body := testenv.HTTP(t, srv.Client(), http.MethodGet, srv.URL+"/api/v1/applications/demo/binary-data", nil, "Authorization", authorization)
	return resp.StatusCode, resp.Header, []byte(body)
}

// unsignedToken builds a JWS by hand: "alg":"none" with an empty signature, or HS256 with secret.
func unsignedToken(header, claims map[string]any, secret []byte) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(header) + "." + enc(claims)
	if secret == nil {
		return input + "."
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
