package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestDeny(t *testing.T) {
	called := false
	h := Deny{Reason: "no issuer configured"}.Middleware("endpoint:read", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer anything")
	h.ServeHTTP(rec, req)
	if called || rec.Code != 401 || rec.Body.String() != `{"statusCode":401,"reasonPhrase":"no issuer configured"}` {
		t.Errorf("called %v, %d %s", called, rec.Code, rec.Body)
	}
	if _, ok := (Deny{}).Tenant(req.Context()); ok {
		t.Error("Deny knows a tenant")
	}
}

func TestParseIssuers(t *testing.T) {
	tests := []struct {
		pairs []string
		want  map[string]string
		err   string
	}{
		{nil, map[string]string{}, ""},
		{[]string{"acme=https://idp/realms/acme", "globex=https://idp/realms/globex?x=1"},
			map[string]string{"acme": "https://idp/realms/acme", "globex": "https://idp/realms/globex?x=1"}, ""},
		{[]string{"acme"}, nil, `--issuer "acme": want tenant=URL`},
		{[]string{"=https://idp"}, nil, `--issuer "=https://idp": want tenant=URL`},
		{[]string{"acme="}, nil, `--issuer "acme=": want tenant=URL`},
	}
	for _, tt := range tests {
		got, err := ParseIssuers(tt.pairs)
		if tt.err != "" {
			if err == nil || !errors.Is(err, ErrBadIssuer) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%v: err %v, want %q", tt.pairs, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v: %v %v, want %v", tt.pairs, got, err, tt.want)
		}
	}
}
