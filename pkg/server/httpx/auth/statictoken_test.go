package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStaticToken(t *testing.T) {
	st := StaticToken{Token: "s3cret-admin-token", TenantID: "kaa"}
	var got Principal
	var tenant string
	h := st.Middleware("endpoint:read", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = FromContext(r.Context())
		tenant, _ = st.Tenant(r.Context())
	}))
	tests := []struct {
		header string
		status int
	}{
		{"Bearer s3cret-admin-token", 200},
		{"bearer s3cret-admin-token", 200},
		{"Bearer s3cret-admin-tokeN", 401},
		{"Bearer s3cret", 401},
		{"Basic s3cret-admin-token", 401},
		{"", 401},
	}
	for _, tt := range tests {
		got = Principal{}
		req := httptest.NewRequest("GET", "/", nil)
		if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("%q: status %d, want %d", tt.header, rec.Code, tt.status)
		}
		if tt.status == 200 && (got.Tenant != "kaa" || !got.HasScope("endpoint:read") || tenant != "kaa") {
			t.Errorf("%q: principal %+v, tenant %q", tt.header, got, tenant)
		}
	}
	// An empty configured token never matches an empty presented one.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer ")
	StaticToken{}.Middleware("", http.NotFoundHandler()).ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Errorf("empty token: %d", rec.Code)
	}
}
