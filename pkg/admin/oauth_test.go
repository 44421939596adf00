package admin_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth/authtest"
)

func TestClientCredentials(t *testing.T) {
	iss := authtest.NewIssuer(t, "acme")
	iss.AddClient("ci-bot", "s3cret&=", "endpoint:read")
	ctx := context.Background()

	tok, err := (&admin.ClientCredentials{Issuer: iss.URL, ClientID: "ci-bot", ClientSecret: "s3cret&="}).Token(ctx)
	if err != nil || strings.Count(tok, ".") != 2 {
		t.Fatalf("token %q, %v", tok, err)
	}
	tests := []struct {
		name string
		cc   admin.ClientCredentials
		is   error
		want string
	}{
		{"wrong secret", admin.ClientCredentials{Issuer: iss.URL, ClientID: "ci-bot", ClientSecret: "nope"}, admin.ErrUnauthorized, "invalid_client"},
		{"unknown client", admin.ClientCredentials{Issuer: iss.URL, ClientID: "who", ClientSecret: "x"}, admin.ErrUnauthorized, `client "who"`},
		{"no issuer there", admin.ClientCredentials{Issuer: iss.URL + "-nope", ClientID: "ci-bot"}, nil, "discovery"},
		{"unreachable", admin.ClientCredentials{Issuer: "http://127.0.0.1:1/realms/x"}, admin.ErrUnreachable, "refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.cc.Token(ctx)
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %v containing %q", err, tt.is, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

func TestReadSecretFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if s, err := admin.ReadSecretFile(write("ok", "  tok\n", 0o600)); err != nil || s != "tok" {
		t.Errorf("0600: %q, %v", s, err)
	}
	if _, err := admin.ReadSecretFile(write("open", "tok", 0o644)); !errors.Is(err, admin.ErrInsecureFile) || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("0644: %v", err)
	}
	if _, err := admin.ReadSecretFile(write("empty", "\n", 0o600)); err == nil {
		t.Error("an empty file is a secret")
	}
	if _, err := admin.ReadSecretFile(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}

// TestClientAuth: --client-id needs an issuer and a secret, from the flag
// (or KAA_CLIENT_SECRET) or a 0600 file.
func TestClientAuth(t *testing.T) {
	iss := authtest.NewIssuer(t, "kaa")
	iss.AddClient("ops", "s3cret", "endpoint:read")
	dir := t.TempDir()
	file := testenv.WriteFile(t, dir, "secret", "s3cret\n")
	open := filepath.Join(dir, "open")
	if err := os.WriteFile(open, []byte("s3cret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		a    admin.ClientAuth
		is   error
	}{
		{"secret", admin.ClientAuth{ClientID: "ops", Issuer: iss.URL, Secret: "s3cret"}, nil},
		{"secret file", admin.ClientAuth{ClientID: "ops", Issuer: iss.URL, SecretFile: file}, nil},
		{"no issuer", admin.ClientAuth{ClientID: "ops", Secret: "s3cret"}, admin.ErrNeedIssuer},
		{"no secret", admin.ClientAuth{ClientID: "ops", Issuer: iss.URL}, admin.ErrNeedSecret},
		{"open secret file", admin.ClientAuth{ClientID: "ops", Issuer: iss.URL, SecretFile: open}, admin.ErrInsecureFile},
		{"wrong secret", admin.ClientAuth{ClientID: "ops", Issuer: iss.URL, Secret: "nope"}, admin.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tt.a.Token(context.Background(), nil)
			if tt.is == nil && (err != nil || strings.Count(tok, ".") != 2) || tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("token %q, %v; want %v", tok, err, tt.is)
			}
		})
	}
}
