package kpc_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// tokenRequests reports the tokens of the 16/ECAP token requests KPC sends
// the provider, in order.
func tokenRequests(t *testing.T, p *platform) <-chan string {
	t.Helper()
	tokens := make(chan string, 64)
	_, err := p.nc.Subscribe(ism.ServiceSubject(kpc.DefaultECAPProvider, ism.ProtoECAP, ism.MsgEPTokenRequest), func(m *nats.Msg) {
		var req ism.EndpointTokenValidationRequest
		if err := ism.Unmarshal(m.Data, &req); err != nil {
			t.Errorf("bad token request: %v", err)
			return
		}
		tokens <- req.Token
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return tokens
}

func postKP(t *testing.T, p *platform, token string) int {
	t.Helper()
	status, _ := post(t, http.DefaultClient, "http://"+p.kpc.HTTPAddr()+"/kp1/app-v1/echo/"+token+"/ping", "x")
	return status
}

// TestHTTPTokenCache: 1/KP over HTTP asks the provider about a token once,
// a refused token every time, and a revoked one is refused at once (the
// cache's TTL, a minute, is far off).
func TestHTTPTokenCache(t *testing.T) {
	p := startPlatform(t, nil)
	asked := tokenRequests(t, p)
	for i, token := range []string{tok1, tok1, tok1, "bad", "bad", tok2} {
		want := http.StatusOK
		if token == "bad" {
			want = http.StatusUnauthorized
		}
		if got := postKP(t, p, token); got != want {
			t.Fatalf("request %d with %s: %d, want %d", i, token, got, want)
		}
	}
	// NATS keeps KPC's order: once tok2's request is seen, every one before it was.
	var got []string
	for len(got) == 0 || got[len(got)-1] != tok2 {
		got = append(got, <-asked)
	}
	if want := []string{tok1, "bad", "bad", tok2}; !slices.Equal(got, want) {
		t.Errorf("provider asked about %q, want %q", got, want)
	}
	waitMetric(t, p, `kaa_kpc_token_cache_total{result="hit"} 2`)

	p.revoke(t)
	testenv.Eventually(t, 5*time.Second, "revoked token refused", func() bool { return postKP(t, p, tok1) == http.StatusUnauthorized })
	if status := postKP(t, p, tok2); status != http.StatusOK {
		t.Errorf("the other endpoint's token: %d", status)
	}
}

// TestHTTPTokenCacheOff: with --token-cache-size 0 every request asks.
func TestHTTPTokenCacheOff(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) { o.TokenCacheSize = 0 })
	asked := tokenRequests(t, p)
	for range 2 {
		if status := postKP(t, p, tok1); status != http.StatusOK {
			t.Fatalf("%d", status)
		}
	}
	for range 2 {
		if token := <-asked; token != tok1 {
			t.Errorf("asked about %q", token)
		}
	}
}
