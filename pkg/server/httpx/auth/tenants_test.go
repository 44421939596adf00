package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaactl/kaactl/pkg/server/httpx/auth/authtest"
)

func TestRealmOf(t *testing.T) {
	tests := []struct {
		iss   string
		realm string // "" means none
	}{
		{"https://idp.example/auth/realms/kaa", "kaa"},
		{"https://idp.example/realms/acme-prod", "acme-prod"},
		{"http://127.0.0.1:8080/auth/realms/a%20b", "a b"},
		{"https://idp.example/auth/realms/realms/x", "x"},
		{"https://idp.example/auth/realms/", ""},
		{"https://idp.example/auth/realms/kaa/", ""},
		{"https://idp.example/auth/realms/kaa/extra", ""},
		{"https://idp.example/auth/realms/..", ""},
		{"https://idp.example/auth/realms/%2e%2e", ""},
		{"https://idp.example/auth/realms/a%2Fb", ""},
		{"https://idp.example/auth/realms/a%0Ab", ""},
		{"https://idp.example/auth/realms/kaa?x=1", ""},
		{"https://login.example/tenant/v2.0", ""},
		{"https://idp.example/auth/realms/" + strings.Repeat("x", maxRealmLen+1), ""},
		{"::not a url", ""},
	}
	for _, tt := range tests {
		realm, ok := realmOf(tt.iss)
		if realm != tt.realm || ok != (tt.realm != "") {
			t.Errorf("realmOf(%q) = %q, %v; want %q", tt.iss, realm, ok, tt.realm)
		}
	}
}

// TestTenantManagerCaching checks that answers are cached for CacheTTL, failures are not, and an oversize
// answer is refused.
func TestTenantManagerCaching(t *testing.T) {
	acme := authtest.NewIssuer(t, "acme")
	var calls atomic.Int64
	var mode atomic.Value // "fail", "ok" or "huge"
	mode.Store("fail")
	tm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/api/v1/tenants/acme" {
			http.NotFound(w, r)
			return
		}
		switch mode.Load() {
		case "fail":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "huge":
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": acme.URL, "pad": strings.Repeat("x", maxResponse)})
		default:
			_ = json.NewEncoder(w).Encode(map[string]string{"id": "acme", "issuer": acme.URL})
		}
	}))
	t.Cleanup(tm.Close)

	clock := authtest.NewClock()
	v, err := NewVerifier(Options{TenantManagerURL: tm.URL + "/", CacheTTL: time.Minute, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	tok := acme.Token(t, "bob", time.Minute, "endpoint:read")
	ghost := authtest.NewIssuer(t, "ghost").Token(t, "bob", time.Minute)
	steps := []struct {
		name  string
		mode  string
		token string
		err   error
		calls int64
	}{
		{"failure", "fail", tok, ErrIssuerUnavailable, 1},
		{"failure not cached", "ok", tok, nil, 2},
		{"success cached", "ok", tok, nil, 2},
		{"404", "ok", ghost, ErrUnknownTenant, 3},
		{"404 not cached", "ok", ghost, ErrUnknownTenant, 4},
	}
	for _, s := range steps {
		mode.Store(s.mode)
		if _, err := v.Verify(context.Background(), s.token); !errors.Is(err, s.err) {
			t.Fatalf("%s: err = %v, want %v", s.name, err, s.err)
		}
		if n := calls.Load(); n != s.calls {
			t.Fatalf("%s: %d tenant manager calls, want %d", s.name, n, s.calls)
		}
	}

	clock.Advance(time.Minute) // past CacheTTL
	mode.Store("huge")
	if _, err := v.Verify(context.Background(), tok); !errors.Is(err, ErrIssuerUnavailable) {
		t.Fatalf("oversize answer: err = %v", err)
	}
	if n := calls.Load(); n != 5 {
		t.Fatalf("expired entry: %d tenant manager calls, want 5", n)
	}
}
