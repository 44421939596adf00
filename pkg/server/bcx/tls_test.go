package bcx_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/blobstore/ram"
	"github.com/kaactl/kaactl/pkg/kp"
	"github.com/kaactl/kaactl/pkg/server/bcx"
	"github.com/kaactl/kaactl/pkg/server/tlsutil"
)

// TestTLSAndPathPrefix: `serve bcx --tls-cert --tls-key --path-prefix /bcx`
// serves Kaa's cloud paths itself, and the URLs it hands out carry the
// prefix; the paths without it are JSON 404s.
func TestTLSAndPathPrefix(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "bcx.crt"), filepath.Join(dir, "bcx.key")
	if _, err := tlsutil.LoadCertificate(certFile, keyFile, true, nil); err != nil {
		t.Fatal(err)
	}
	e := startBCX(t, ram.New(), func(o *bcx.Options) { o.TLSCert, o.TLSKey, o.PathPrefix = certFile, keyFile, "/bcx" })
	if !strings.HasPrefix(e.base, "https://") {
		t.Fatalf("base %s", e.base)
	}
	resp, body := testenv.HTTP(t, e.client, "POST", e.base+"/api/v1/binary-data?name=a.bin", strings.NewReader("blob"), "X-Auth-Token", e.token(t, "ep-1"),
		"Content-Type", "application/octet-stream")
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(loc, "/bcx/api/v1/applications/demo/endpoints/ep-1/binary-data/") {
		t.Fatalf("upload: %d %s, Location %q", resp.StatusCode, body, loc)
	}
	read := "Bearer " + e.acme.Token(t, "admin", time.Hour, bcx.ScopeRead)
	resp, body = testenv.HTTP(t, e.client, "GET", e.base+"/api/v1/applications/demo/binary-data", nil, "Authorization", read)
	var page api.BlobPage
	if err := json.Unmarshal([]byte(body), &page); err != nil || resp.StatusCode != 200 || len(page.Content) != 1 || page.Content[0].URL != loc+"/data" {
		t.Fatalf("listing: %d %s", resp.StatusCode, body)
	}
	origin := strings.TrimSuffix(e.base, "/bcx")
	if resp, body = testenv.HTTP(t, e.client, "GET", origin+loc+"/data", nil, "Authorization", read); resp.StatusCode != 200 || body != "blob" {
		t.Errorf("download from the Location: %d %q", resp.StatusCode, body)
	}
	for _, path := range []string{"/api/v1/binary-data", "/health", "/bcx/nothing", "/bcxapi/v1/binary-data"} {
		resp, body := testenv.HTTP(t, e.client, "POST", origin+path, strings.NewReader("x"))
		var eb kp.ErrorBody
		if resp.StatusCode != http.StatusNotFound || json.Unmarshal([]byte(body), &eb) != nil || eb.StatusCode != 404 {
			t.Errorf("POST %s: %d %q, want a JSON 404", path, resp.StatusCode, body)
		}
	}
	if resp, err := http.Get("http://" + e.srv.RESTAddr() + "/bcx/health"); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("plain HTTP to the TLS port: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

func TestTLSOptions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*bcx.Options)
		want   string
	}{
		{"cert without key", func(o *bcx.Options) { o.TLSCert = "c.crt" }, "tls-cert and tls-key go together"},
		{"key without cert", func(o *bcx.Options) { o.TLSKey = "c.key" }, "tls-cert and tls-key go together"},
		{"prefix with slash", func(o *bcx.Options) { o.PathPrefix = "/bcx/" }, "path-prefix"},
		{"relative prefix", func(o *bcx.Options) { o.PathPrefix = "bcx" }, "path-prefix"},
	} {
		o := bcx.DefaultOptions()
		o.TokenKey = testKey
		tc.mutate(&o)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
