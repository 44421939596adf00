package admin_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// startKPC runs the platform, with MQTT/TLS (its certificate in the data
// dir) or without.
func startKPC(t *testing.T, withTLS bool) *platform.Platform {
	t.Helper()
	return platformtest.Start(t, platformtest.KPC(func(o *kpc.Options) {
		if !withTLS {
			o.MQTTSAddr, o.WSSAddr = "", ""
		}
	}), func(o *platform.Options) {
		if !withTLS {
			platformtest.NoHTTPS(o) // the HTTPS origin would give KPC the platform certificate
		}
	})
}

func TestFetchCert(t *testing.T) {
	p := startKPC(t, true)
	got, err := admin.FetchCert(context.Background(), "http://"+p.KPC().RESTAddr()+"/")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(p.DataDir(), "kpc-tls.crt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("fetched %q, KPC serves %q", got, want)
	}
}

func TestFetchCertFails(t *testing.T) {
	plain := startKPC(t, false).KPC()
	tests := []struct {
		name, url, want string
	}{
		{"KPC without TLS", "http://" + plain.RESTAddr(), "404 Not Found: {\"error\":\"neither MQTT/TLS nor secure WebSocket is enabled on this replica\"}"},
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

func TestDescribeAndVerifyCert(t *testing.T) {
	p := startKPC(t, true)
	ctx := context.Background()
	data, err := admin.FetchCert(ctx, "http://"+p.KPC().RESTAddr())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := admin.ParseCertPEM(data)
	if err != nil {
		t.Fatal(err)
	}
	info := admin.DescribeCert(cert)
	if !slices.Contains(info.SANs, "localhost") || !slices.Contains(info.SANs, "127.0.0.1") || len(info.SHA256) != 95 || info.NotAfter.Before(time.Now()) || info.Subject == "" {
		t.Errorf("info %+v", info)
	}
	_, port, _ := net.SplitHostPort(p.KPC().MQTTSAddr())
	for _, host := range []string{"localhost", "127.0.0.1"} {
		if err := admin.VerifyTLS(ctx, net.JoinHostPort(host, port), cert); err != nil {
			t.Errorf("verify %s: %v", host, err)
		}
	}

	other := httptest.NewTLSServer(http.NotFoundHandler())
	defer other.Close()
	err = admin.VerifyTLS(ctx, other.Listener.Addr().String(), cert)
	if !errors.Is(err, admin.ErrCertMismatch) || !strings.Contains(err.Error(), "does not verify against the fetched certificate") {
		t.Errorf("another server's certificate: %v", err)
	}
	if err := admin.VerifyTLS(ctx, "127.0.0.1:1", cert); !errors.Is(err, admin.ErrUnreachable) {
		t.Errorf("nothing listening: %v", err)
	}
	if err := admin.VerifyTLS(ctx, "no-port", cert); !errors.Is(err, admin.ErrInvalid) {
		t.Errorf("no port: %v", err)
	}
	if _, err := admin.ParseCertPEM([]byte("junk")); !errors.Is(err, admin.ErrInvalid) {
		t.Errorf("junk PEM: %v", err)
	}
}
