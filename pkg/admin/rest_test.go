package admin_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kaactl/kaactl/pkg/admin"
)

// serve starts a server that answers every request with status and body.
func serve(t *testing.T, status int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestErrorAnswers: every error answer is an *APIError that matches the
// sentinel of its status and reads as the server's reason, for both APIs.
func TestErrorAnswers(t *testing.T) {
	long := "a" + strings.Repeat("é", 150) // cut at 200 bytes, inside a rune
	tests := []struct {
		name     string
		status   int
		body     string
		want     error
		provider string // the message from ProviderClient
		blobs    string // from BlobsClient, when it differs
	}{
		{"conflict", 409, `{"statusCode":409,"reasonPhrase":"taken"}`, admin.ErrExists, "taken", ""},
		{"not found", 404, `{"statusCode":404,"reasonPhrase":"gone"}`, admin.ErrNotFound, "gone", ""},
		{"bad request", 400, `{"statusCode":400,"reasonPhrase":"bad"}`, admin.ErrInvalid, "bad", ""},
		{"too large", 413, `{"statusCode":413,"reasonPhrase":"big"}`, admin.ErrInvalid, "big", ""},
		{"unauthorized", 401, `{"statusCode":401,"reasonPhrase":"who"}`, admin.ErrUnauthorized, "who", ""},
		{"forbidden", 403, `{"statusCode":403,"reasonPhrase":"scope"}`, admin.ErrUnauthorized, "scope", ""},
		{"plain text", 404, "404 page not found\n", admin.ErrNotFound, "404 page not found", ""},
		{"empty body", 404, "", admin.ErrNotFound, "Not Found", ""},
		{"long body", 400, long, admin.ErrInvalid, "a" + strings.Repeat("é", 99) + "...", ""},
		{"server error", 500, `{"statusCode":500,"reasonPhrase":"internal error"}`, nil,
			"provider api: 500 Internal Server Error: internal error", "bcx api: 500 Internal Server Error: internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rest := admin.REST{BaseURL: serve(t, tt.status, tt.body) + "/", Token: "t"}
			_, perr := (&admin.ProviderClient{REST: rest}).ListApps(context.Background(), "kaa")
			_, berr := (&admin.BlobsClient{REST: rest}).List(context.Background(), "demo", admin.ListOptions{})
			if tt.blobs == "" {
				tt.blobs = tt.provider
			}
			for _, c := range []struct {
				err  error
				want string
			}{{perr, tt.provider}, {berr, tt.blobs}} {
				var apiErr *admin.APIError
				if c.err == nil || c.err.Error() != c.want || !errors.As(c.err, &apiErr) || apiErr.Status != tt.status {
					t.Fatalf("error %v, want an *APIError %d %q", c.err, tt.status, c.want)
				}
				for _, s := range []error{admin.ErrExists, admin.ErrNotFound, admin.ErrInvalid, admin.ErrUnauthorized} {
					if errors.Is(c.err, s) != (s == tt.want) {
						t.Errorf("errors.Is(%v, %v) = %v", c.err, s, !(s == tt.want))
					}
				}
			}
		})
	}
}

func TestBadAnswers(t *testing.T) {
	ctx := context.Background()
	c := &admin.ProviderClient{REST: admin.REST{BaseURL: serve(t, 200, `{"not":"a list"}`)}}
	if _, err := c.ListApps(ctx, "kaa"); err == nil || !strings.HasPrefix(err.Error(), "provider api GET /api/v1/tenants/kaa/applications: decode response: ") {
		t.Errorf("wrong JSON: %v", err)
	}
	// A server that never stops answering: the client reads a bounded prefix.
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		chunk := []byte(strings.Repeat(" ", 1<<20))
		for range 40 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer huge.Close()
	c = &admin.ProviderClient{REST: admin.REST{BaseURL: huge.URL}}
	if _, err := c.ListApps(ctx, "kaa"); err == nil || !strings.HasSuffix(err.Error(), "response over 33554432 bytes") {
		t.Errorf("huge answer: %v", err)
	}
	// Nothing listens on port 1.
	c = &admin.ProviderClient{REST: admin.REST{BaseURL: "http://127.0.0.1:1"}}
	if err := c.Health(ctx); err == nil || !strings.HasPrefix(err.Error(), "provider api GET /health: ") || errors.As(err, new(*admin.APIError)) {
		t.Errorf("no server: %v", err)
	}
}

func TestPathsAreEscaped(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.EscapedPath())
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	rest := admin.REST{BaseURL: srv.URL}
	ctx := context.Background()
	if err := (&admin.ProviderClient{REST: rest}).RevokeBasic(ctx, "a/b", "x y"); err != nil {
		t.Fatal(err)
	}
	if err := (&admin.BlobsClient{REST: rest}).Delete(ctx, "app", "ep/1", "b?2"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"POST /api/v1/tenants/a%2Fb/credentials/basic/x%20y/revoke",
		"DELETE /api/v1/applications/app/endpoints/ep%2F1/binary-data/b%3F2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("paths\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
