package bcx_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/blobstore/backend"
	"github.com/kaactl/kaactl/pkg/server/bcx"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth"
)

func TestNewReportsEveryProblem(t *testing.T) {
	o := bcx.DefaultOptions()
	o.Instance, o.TokenTTL, o.Blobs.Backend, o.Issuers = "b.cx", 0, "tape", []string{"acme"}
	_, err := bcx.New(o)
	if err == nil {
		t.Fatal("New accepted bad options")
	}
	for _, want := range []string{`instance "b.cx"`, "token ttl", `"tape"`, `--issuer "acme": want tenant=URL`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v does not mention %q", err, want)
		}
	}
	if !errors.Is(err, backend.ErrUnknown) || !errors.Is(err, auth.ErrBadIssuer) {
		t.Errorf("%v does not wrap the sentinels", err)
	}
}

// TestTokenKeyFile: Start reads the key file, creates it only when asked
// to, and says how to make one when it is missing.
func TestTokenKeyFile(t *testing.T) {
	ns := testenv.NATS(t)
	key := filepath.Join(t.TempDir(), "keys", "bcx.key")
	start := func(create bool) (*bcx.Server, error) {
		o := bcx.DefaultOptions()
		o.NATS.URL, o.RESTAddr, o.TokenKeyFile, o.CreateTokenKey = ns.ClientURL(), "127.0.0.1:0", key, create
		o.Blobs.Backend = backend.RAM
		s, err := bcx.New(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
		return s, s.Start(context.Background())
	}
	if _, err := start(false); err == nil || !strings.Contains(err.Error(), "--create-token-key") {
		t.Fatalf("Start without a key file: %v", err)
	}
	if _, err := start(true); err != nil {
		t.Fatal(err)
	}
	if _, err := bcx.LoadOrCreateKey(key, false); err != nil {
		t.Fatalf("created key file: %v", err)
	}
	if _, err := start(false); err != nil {
		t.Errorf("Start with the key file there: %v", err)
	}
}
