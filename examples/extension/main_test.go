package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
)

// TestKVThroughKPC runs the extension against the whole platform and talks
// to it as a device does: 1/KP over HTTP through KPC, with an endpoint token.
func TestKVThroughKPC(t *testing.T) {
	p := platformtest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	nc, err := nats.Connect(p.NATSURL())
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- (&Extension{Instance: "kv", Log: slog.New(slog.DiscardHandler)}).Serve(ctx, nc) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		nc.Close()
	})
	if err := nc.Flush(); err != nil { // the subscription is live before the first request
		t.Fatal(err)
	}
	if _, _, err := p.Provider().CreateEndpoint(ctx, platform.DemoTenant, platform.DemoApp, "dev-1"); err != nil {
		t.Fatal(err)
	}
	base := "http://" + p.KPC().HTTPAddr() + "/kp1/" + platform.DemoAppVersion + "/kv/"
	post := func(path, body string) (int, string) {
		t.Helper()
		resp, err := http.Post(base+path, "application/octet-stream", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tt := range []struct {
		path, body string
		status     int
		want       string
	}{
		{"dev-1/get", "", http.StatusNotFound, `"statusCode":404`},
		{"dev-1/set", "21.5", http.StatusOK, "stored"},
		{"dev-1/get", "", http.StatusOK, "21.5"},
		{"dev-1/reset", "", http.StatusNotFound, `"statusCode":404`},
		{"unknown-token/get", "", http.StatusUnauthorized, `"statusCode":401`},
	} {
		status, body := post(tt.path, tt.body)
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("POST %s: %d %q, want %d with %q", tt.path, status, body, tt.status, tt.want)
		}
	}
}
