package kpc_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// TestNoRespondersAnswerAtOnce: a request to an extension (or a token
// provider) that no instance serves is answered 503 at once, not after the
// request timeout, and is not mistaken for a broken reply.
func TestNoRespondersAnswerAtOnce(t *testing.T) {
	// A minute: an answer within the 5s the test waits is not the timeout's.
	p := startPlatform(t, func(o *kpc.Options) { o.RequestTimeout = time.Minute })
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "dev")
	c.Publish(t, "kp1/app-v1/nobody/tok1/ping/1", 1, "x")
	m := c.Expect(t, "kp1/app-v1/nobody/tok1/ping/1/error", 5*time.Second)
	if b := errorBody(t, m.Payload); b.StatusCode != 503 || b.ReasonPhrase != "no extension instance is serving nobody" {
		t.Errorf("reply %+v, want 503 no extension instance is serving nobody", b)
	}
	resp, err := http.Post("http://"+p.kpc.HTTPAddr()+"/kp1/app-v1/nobody/tok1/ping", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(body), "no extension instance is serving nobody") {
		t.Errorf("http: %d %s", resp.StatusCode, body)
	}
	// The extension that is there still answers on the same session.
	c.Publish(t, "kp1/app-v1/echo/tok1/ping/2", 1, "here")
	if m := c.Expect(t, "kp1/app-v1/echo/tok1/ping/2/status", 5*time.Second); m.Payload != "here" {
		t.Errorf("echo: %q", m.Payload)
	}
	met := metrics(t, p)
	if !strings.Contains(met, `kaa_kpc_nats_errors_total{op="no_responders"} 2`) || strings.Contains(met, `op="decode"`) {
		t.Errorf("metrics: want 2 no_responders and no decode errors:\n%s", grepLines(met, "nats_errors"))
	}
}

func TestNoTokenProviderAnswersAtOnce(t *testing.T) {
	p := startPlatform(t, func(o *kpc.Options) { o.RequestTimeout = time.Minute })
	if err := p.prov.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "dev")
	c.Publish(t, "kp1/app-v1/echo/tok1/ping/1", 1, "x")
	m := c.Expect(t, "kp1/app-v1/echo/tok1/ping/1/error", 5*time.Second)
	if b := errorBody(t, m.Payload); b.StatusCode != 503 || !strings.Contains(b.ReasonPhrase, "no endpoint token provider (cm) is serving") {
		t.Errorf("reply %+v, want 503 naming the provider", b)
	}
}

// TestSetApps: a running replica takes a new application config: versions
// it lists answer, others get 404, and an empty config accepts all.
func TestSetApps(t *testing.T) {
	p := startPlatform(t, nil) // the platform gives KPC its provider's versions: app-v1 of app
	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "dev")
	n := 0
	status := func(version string) string {
		t.Helper()
		n++
		topic := fmt.Sprintf("kp1/%s/echo/tok1/ping/%d", version, n)
		c.Publish(t, topic, 1, "x")
		m := testenv.Receive(t, c.Msgs, 5*time.Second, "no reply to "+topic)
		return strings.TrimPrefix(m.Topic, topic+"/")
	}
	only := func(version string) kaaconfig.AppConfig {
		return kaaconfig.AppConfig{Applications: map[string]kaaconfig.Application{
			"app": {Versions: map[string]kaaconfig.AppVersionConfig{version: {AllowedExtensionInstances: []string{kaaconfig.AnyExtension}}}},
		}}
	}
	for _, step := range []struct {
		set  *kaaconfig.AppConfig
		want map[string]string
	}{
		{nil, map[string]string{app: "status", "app-v2": "error"}},
		{ptr(only("app-v2")), map[string]string{app: "error", "app-v2": "status"}},
		{&kaaconfig.AppConfig{}, map[string]string{app: "status", "app-v2": "status", "app": "status"}}, // open: any version of app
	} {
		if step.set != nil {
			if err := p.kpc.SetApps(*step.set); err != nil {
				t.Fatal(err)
			}
		}
		for version, want := range step.want {
			if got := status(version); got != want {
				t.Errorf("config %+v: %s answered on /%s, want /%s", step.set, version, got, want)
			}
		}
	}
	bad := kaaconfig.AppConfig{Applications: map[string]kaaconfig.Application{"a": {Versions: map[string]kaaconfig.AppVersionConfig{"x/y": {}}}}}
	if err := p.kpc.SetApps(bad); err == nil {
		t.Error("an invalid config was taken")
	}
}

func ptr[T any](v T) *T { return &v }
