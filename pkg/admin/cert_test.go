package admin_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// startKPC runs KPC on an embedded NATS with its REST API and, when tlsDir
// is not empty, MQTT/TLS with a certificate generated there.
func startKPC(t *testing.T, tlsDir string) *kpc.Server {
	t.Helper()
	opts := kpc.DefaultOptions()
	opts.NATSURL = testenv.NATS(t).ClientURL()
	opts.MQTTAddr, opts.HTTPAddr, opts.RESTAddr = "127.0.0.1:0", "", "127.0.0.1:0"
	if tlsDir != "" {
		opts.MQTTSAddr, opts.TLSGenerate = "127.0.0.1:0", true
		opts.TLSCert, opts.TLSKey = filepath.Join(tlsDir, "tls.crt"), filepath.Join(tlsDir, "tls.key")
	}
	k, err := kpc.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = k.Shutdown(ctx)
	})
	return k
}

func TestFetchCert(t *testing.T) {
	dir := t.TempDir()
	k := startKPC(t, dir)
	got, err := admin.FetchCert(context.Background(), "http://"+k.RESTAddr()+"/")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, "tls.crt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("fetched %q, KPC serves %q", got, want)
	}
}

func TestFetchCertFails(t *testing.T) {
	plain := startKPC(t, "")
	tests := []struct {
		name, url, want string
	}{
		{"KPC without TLS", "http://" + plain.RESTAddr(), "404 Not Found: {\"error\":\"MQTT/TLS is not enabled on this replica\"}"},
		{"nothing listening", "http://127.0.0.1:1", "refused"},
		{"bad URL", "://", "missing protocol scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := admin.FetchCert(context.Background(), tt.url)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
