package httpx_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kaactl/kaactl/pkg/kp"
	"github.com/kaactl/kaactl/pkg/server/httpx"
)

// service is a small service mux: its own paths, a path value, and the
// prefix it was reached through.
func service() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok "+httpx.Prefix(r.Context()))
	})
	mux.HandleFunc("POST /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "item "+r.PathValue("id")+" at "+httpx.Prefix(r.Context())+r.URL.Path)
	})
	return httpx.JSONErrors(mux)
}

func TestStripPrefixAndJSONErrors(t *testing.T) {
	outer := http.NewServeMux()
	outer.Handle("/bcx/", httpx.StripPrefix("/bcx", service()))
	h := httpx.JSONErrors(outer)
	for _, tc := range []struct {
		method, path string
		status       int
		body, allow  string
	}{
		{"GET", "/bcx/health", 200, "ok /bcx", ""},
		{"POST", "/bcx/items/7", 200, "item 7 at /bcx/items/7", ""},
		{"GET", "/bcx/items/7", 405, "", "POST"},
		{"GET", "/bcx/nothing", 404, "", ""},
		{"GET", "/kpc/health", 404, "", ""},
		{"GET", "/health", 404, "", ""},
		{"GET", "/", 404, "", ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.status {
			t.Errorf("%s %s: %d %q, want %d", tc.method, tc.path, rec.Code, rec.Body, tc.status)
			continue
		}
		if tc.status == 200 {
			if rec.Body.String() != tc.body {
				t.Errorf("%s %s: %q, want %q", tc.method, tc.path, rec.Body, tc.body)
			}
			continue
		}
		var e kp.ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.StatusCode != tc.status || e.ReasonPhrase == "" ||
			rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: body %q (%s), want a JSON error %d", tc.method, tc.path, rec.Body, rec.Header().Get("Content-Type"), tc.status)
		}
		if got := rec.Header().Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
}

func TestStripPrefixItself(t *testing.T) {
	h := httpx.StripPrefix("/kpc", service())
	for path, status := range map[string]int{"/kpc/health": 200, "/kpc": 404, "/kpcx/health": 404, "/health": 404} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != status {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, status)
		}
	}
	if httpx.StripPrefix("", service()) == nil {
		t.Error("no handler for an empty prefix")
	}
	rec := httptest.NewRecorder()
	httpx.StripPrefix("", service()).ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
	if rec.Body.String() != "ok " {
		t.Errorf("without a prefix: %q", rec.Body)
	}
}

func TestValidPrefix(t *testing.T) {
	for prefix, ok := range map[string]bool{
		"": true, "/bcx": true, "/kaa/bcx": true,
		"bcx": false, "/": false, "/bcx/": false, "/a//b": false, "/a/../b": false, "/b?x": false, "/b%20": false, "/{x}": false,
	} {
		err := httpx.ValidPrefix(prefix)
		if (err == nil) != ok || (err != nil && !errors.Is(err, httpx.ErrInvalidPrefix)) {
			t.Errorf("ValidPrefix(%q) = %v, want ok %v", prefix, err, ok)
		}
	}
}
