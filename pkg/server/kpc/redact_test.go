package kpc_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// TestTokensAndCredentialsNotLogged: every way a client can get a topic or
// a CONNECT logged (malformed 1/KP topics, publishes outside kp1/, protocol
// errors that mochi logs with the whole packet, a second CONNECT carrying a
// password, a rejected token) leaves at most a short prefix of the endpoint
// token in the log, at debug level too, and never the password.
func TestTokensAndCredentialsNotLogged(t *testing.T) {
	const (
		token    = "S3CR3T-endpoint-token-0123456789"
		password = "hunter2-device-password"
	)
	var logs testenv.Buffer
	p := startPlatform(t, func(o *kpc.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})

	c := testenv.MQTT(t, p.kpc.MQTTAddr(), "leaky")
	for _, topic := range []string{
		"kp1/app-v1/echo/" + token,             // malformed: no resource path
		"kp1/app-v1/echo/" + token + "//x",     // malformed: empty level
		"kp1/app-v1/echo/" + token + "/ping/1", // unknown token: rejected by the provider
	} {
		c.Publish(t, topic, 1, "x")
	}
	c.Publish(t, "devices/"+token+"/telemetry", 0, "x") // not 1/KP (at QoS 1 mochi disconnects a v3.1.1 client)
	c.Publish(t, "kp1/app-v1/echo/tok1/ping/2", 1, "barrier")
	testenv.Eventually(t, 5*time.Second, "barrier reply", func() bool {
		for _, m := range c.Drain() {
			if m.Topic == "kp1/app-v1/echo/tok1/ping/2/status" {
				return true
			}
		}
		return false
	})

	// mochi logs the whole packet of a protocol error: a wildcard in a
	// publish topic (v3.1.1), a topic alias (v5), a second CONNECT.
	wild := dialRaw(t, p.kpc.MQTTAddr())
	wild.mustConnect(4, "wild", nil)
	wild.publish("kp1/app-v1/echo/"+token+"/ping/+", 0, 0, "x")
	wild.expectClosed(5 * time.Second)
	alias := dialRaw(t, p.kpc.MQTTAddr())
	alias.mustConnect(5, "alias", nil)
	alias.send(packets.Packet{
		FixedHeader: packets.FixedHeader{Type: packets.Publish}, TopicName: "kp1/app-v1/echo/" + token + "/ping",
		Properties: packets.Properties{TopicAlias: 1, TopicAliasFlag: true},
	})
	alias.waitClosed(2 * time.Second) // aliases are refused; the point here is the log
	alias.conn.Close()
	if _, err := p.prov.CreateBasic(context.Background(), "tenant", "user", password); err != nil {
		t.Fatal(err)
	}
	twice := dialRaw(t, p.kpc.MQTTAddr())
	withPassword := func(pk *packets.Packet) {
		pk.Connect.UsernameFlag, pk.Connect.Username = true, []byte("user@tenant")
		pk.Connect.PasswordFlag, pk.Connect.Password = true, []byte(password)
	}
	refused := dialRaw(t, p.kpc.MQTTAddr())
	refused.connect(4, "refused", login("user@tenant", password+"-but-wrong")) // a refusal logs who, never the password
	refused.expectClosed(5 * time.Second)
	twice.mustConnect(5, "twice", withPassword)
	second := connectPacket(5, "twice")
	withPassword(&second)
	twice.send(second)
	twice.expectClosed(5 * time.Second)
	waitSessions(t, p, 1)

	out := logs.String()
	for _, want := range []string{"malformed 1/KP topic", "publish outside kp1/ rejected", "endpoint token not accepted", "error processing packet", "bad user name or password"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q: the case was not exercised", want)
		}
	}
	// mochi's packets print []byte fields as numbers (text) or base64 (JSON).
	secrets := []string{token, token[:12], password, fmt.Sprint([]byte(password)), base64.StdEncoding.EncodeToString([]byte(password))}
	for _, secret := range secrets {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, grepLines(out, secret))
		}
	}
	if !strings.Contains(out, token[:4]+"…") {
		t.Errorf("log does not show the token's short prefix %q", token[:4]+"…")
	}
}

func grepLines(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
