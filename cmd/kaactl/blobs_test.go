package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth/authtest"
)

// TestBlobsClientCredentials: with --client-id the bearer token comes from
// the tenant's issuer (client credentials grant), the secret from a 0600
// file or KAA_CLIENT_SECRET.
func TestBlobsClientCredentials(t *testing.T) {
	iss := authtest.NewIssuer(t, "kaa")
	iss.AddClient("ops", "s3cret", "endpoint:read")
	var bearer string
	bcx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		_, _ = w.Write([]byte(`{"content":[{"id":"b1","endpointId":"ep","size":3}],"totalElements":1}`))
	}))
	defer bcx.Close()
	dir := t.TempDir()
	secretFile := testenv.WriteFile(t, dir, "secret", "s3cret\n")
	base := []string{"blobs", "ls", "--app", "demo", "--bcx-url", bcx.URL, "--provider-url", "http://127.0.0.1:1", "--data-dir", dir, "--issuer", iss.URL, "--client-id", "ops"}

	out, _, err := execute(t, append(base, "--client-secret-file", secretFile)...)
	if err != nil || !strings.HasPrefix(out, "b1\tep") || strings.Count(bearer, ".") != 2 {
		t.Fatalf("ls: %q, %v, bearer %q", out, err, bearer)
	}
	t.Setenv("KAA_CLIENT_SECRET", "s3cret")
	bearer = ""
	if _, _, err := execute(t, base...); err != nil || bearer == "" {
		t.Errorf("secret from env: %v, bearer %q", err, bearer)
	}
	t.Setenv("KAA_CLIENT_SECRET", "wrong")
	if _, _, err := execute(t, base...); !errors.Is(err, admin.ErrUnauthorized) || strings.Contains(err.Error(), "wrong") {
		t.Errorf("wrong secret: %v", err)
	}
	t.Setenv("KAA_CLIENT_SECRET", "")
	if err := os.Chmod(secretFile, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, _, err := execute(t, append(base, "--client-secret-file", secretFile)...); !errors.Is(err, admin.ErrInsecureFile) {
		t.Errorf("group-readable secret file: %v", err)
	}
	if _, _, err := execute(t, "blobs", "ls", "--app", "demo", "--client-id", "ops"); !cli.IsUsage(err) {
		t.Errorf("--client-id without --issuer: %v", err)
	}
}
