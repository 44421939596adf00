package testenv

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHTTP: the request carries its body and headers (an empty value left
// out); the answer comes back with its body read.
func TestHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		optional := "-"
		if _, ok := r.Header["X-Optional"]; ok {
			optional = "optional"
		}
		w.Header().Set("X-Method", r.Method)
		_, _ = io.WriteString(w, r.Header.Get("Authorization")+"|"+string(body)+"|"+optional)
	}))
	defer srv.Close()
	resp, body := HTTP(t, srv.Client(), http.MethodPost, srv.URL, strings.NewReader("hello"), "Authorization", "Bearer t", "X-Optional", "")
	if resp.StatusCode != 200 || resp.Header.Get("X-Method") != "POST" || body != "Bearer t|hello|-" {
		t.Errorf("POST: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	if _, body := Get(t, srv.URL, "X-Optional", "yes"); body != "||optional" {
		t.Errorf("GET: %q", body)
	}
}
