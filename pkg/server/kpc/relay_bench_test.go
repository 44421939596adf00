package kpc_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	kaa "github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// benchPayload is a 256-byte request, as scripts/bench.sh's kp section sends.
var benchPayload = strings.Repeat("x", 256)

// startBenchPlatform is the platform with its echo extension and an
// endpoint of the demo application; it returns the endpoint's token.
func startBenchPlatform(b *testing.B) (*kaa.Platform, string) {
	b.Helper()
	p := platformtest.Start(b, platformtest.NoHTTPS, platformtest.KPC(func(o *kpc.Options) {
		o.MQTTSAddr, o.WSAddr, o.WSSAddr = "", "", ""
	}))
	const token = "bench-token"
	if _, _, err := p.Provider().CreateEndpoint(context.Background(), kaa.DemoTenant, kaa.DemoApp, token); err != nil {
		b.Fatal(err)
	}
	return p, token
}

// BenchmarkRelayMQTT is one 1/KP request and its reply over MQTT (QoS 0,
// one in flight) through KPC, NATS and the echo extension, all in this
// process: allocs/op counts every side of the round trip.
func BenchmarkRelayMQTT(b *testing.B) {
	p, token := startBenchPlatform(b)
	c := dialRaw(b, p.KPC().MQTTAddr())
	c.mustConnect(4, "bench", nil)
	topic := "kp1/" + kaa.DemoAppVersion + "/echo/" + token + "/ping/1"
	c.roundTrip(topic, benchPayload) // resolves the token
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.roundTrip(topic, benchPayload)
	}
}

// BenchmarkRelayHTTP is BenchmarkRelayMQTT over 1/KP over HTTP.
func BenchmarkRelayHTTP(b *testing.B) {
	p, token := startBenchPlatform(b)
	url := "http://" + p.KPC().HTTPAddr() + "/kp1/" + kaa.DemoAppVersion + "/echo/" + token + "/ping"
	client := &http.Client{Timeout: 5 * time.Second}
	post := func() {
		resp, err := client.Post(url, "application/octet-stream", bytes.NewReader([]byte(benchPayload)))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	post()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		post()
	}
}
