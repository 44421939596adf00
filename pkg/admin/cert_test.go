package admin_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	}))
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
