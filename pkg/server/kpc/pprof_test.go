package kpc_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// TestPprof: --pprof serves CPU and heap profiles on the management address
// to the admin token only; without it there is nothing there.
func TestPprof(t *testing.T) {
	tests := []struct {
		name   string
		pprof  bool
		token  bool
		status int
	}{
		{"off", false, true, http.StatusNotFound},
		{"on, no token", true, false, http.StatusUnauthorized},
		{"on, admin token", true, true, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startPlatform(t, func(o *kpc.Options) { o.Pprof = tt.pprof })
			token := ""
			if tt.token {
				token = p.admin
			}
			for _, path := range []string{"/debug/pprof/profile?seconds=1", "/debug/pprof/heap", "/debug/pprof/"} {
				resp, body := getBearer(t, "http://"+p.kpc.RESTAddr()+path, token)
				if resp.StatusCode != tt.status {
					t.Fatalf("GET %s: %d, want %d", path, resp.StatusCode, tt.status)
				}
				if tt.status == http.StatusOK && path != "/debug/pprof/" {
					// A profile is gzipped protobuf.
					if !strings.HasPrefix(body, "\x1f\x8b") {
						t.Errorf("GET %s: not a profile: %.40q", path, body)
					}
				}
			}
		})
	}
}

// TestPprofWithoutAuthenticator: a replica that cannot verify callers (no
// admin token, no issuer) keeps its profiles closed, like its sessions.
func TestPprofWithoutAuthenticator(t *testing.T) {
	p := startPlatform(t, nil)
	k := startKPC(t, p, func(o *kpc.Options) {
		o.MQTTAddr, o.HTTPAddr, o.RESTAddr, o.Pprof = "", "127.0.0.1:0", "127.0.0.1:0", true
	})
	if resp, body := testenv.Get(t, "http://"+k.RESTAddr()+"/debug/pprof/heap"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("heap without credentials: %d %s", resp.StatusCode, body)
	}
	if resp, _ := testenv.Get(t, "http://"+k.RESTAddr()+"/api/v1/sessions"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("sessions stay closed: %d", resp.StatusCode)
	}
}
