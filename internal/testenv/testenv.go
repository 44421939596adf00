// Package testenv starts real components for tests: an embedded NATS server,
// paho MQTT clients, versitygw, services started and shut down with the
// test, certificates made in the test, one HTTP request helper, and helpers
// to wait on events instead of sleeping.
package testenv

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/server/embednats"
)

// NATS starts an embedded NATS server on a random loopback port.
func NATS(t testing.TB) *server.Server {
	t.Helper()
	ns, err := embednats.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	return ns
}

// Conn connects a NATS client to url.
func Conn(t testing.TB, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// Eventually polls cond until it holds or the deadline passes.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// FreeAddr is a loopback address no one listens on right now, for a
// server a test starts later on a known address (a child process, a
// restart on the same port).
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Receive returns the next value from ch, or fails the test with failure
// when none comes within d: a guard against a hang, not a measurement.
func Receive[T any](t testing.TB, ch <-chan T, within time.Duration, failure string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(within):
		t.Fatal(failure)
		var zero T
		return zero
	}
}

// Message is one PUBLISH a client received.
type Message struct {
	Topic   string
	Payload string
	QoS     byte
}

// MQTTClient is a paho client that records every PUBLISH it gets, subscribed
// or not (Kaa's own client library never subscribes).
type MQTTClient struct {
	paho.Client
	Msgs chan Message
	Lost chan error
}

// MQTT connects a paho client to a tcp address ("host:port").
func MQTT(t testing.TB, addr, clientID string) *MQTTClient {
	t.Helper()
	return MQTTURL(t, "tcp://"+addr, clientID, nil)
}

// MQTTURL connects a paho client to a broker URL: tcp://host:port,
// ssl://host:port (with tlsConfig) or ws://host:port/path.
func MQTTURL(t testing.TB, brokerURL, clientID string, tlsConfig *tls.Config) *MQTTClient {
	t.Helper()
	c, err := DialMQTT(brokerURL, clientID, tlsConfig)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Disconnect(50) })
	return c
}

// DialMQTT is MQTTURL returning the connect error; the caller disconnects.
func DialMQTT(brokerURL, clientID string, tlsConfig *tls.Config) (*MQTTClient, error) {
	c := &MQTTClient{Msgs: make(chan Message, 1024), Lost: make(chan error, 1)}
	opts := paho.NewClientOptions().
		AddBroker(brokerURL).
		SetTLSConfig(tlsConfig).
		SetClientID(clientID).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetOrderMatters(false).
		SetConnectTimeout(5 * time.Second).
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
			c.Msgs <- Message{Topic: m.Topic(), Payload: string(m.Payload()), QoS: m.Qos()}
		}).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			select {
			case c.Lost <- err:
			default:
			}
		})
	c.Client = paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(5 * time.Second) {
		return nil, fmt.Errorf("mqtt connect %s: timed out", brokerURL)
	}
	if err := tok.Error(); err != nil {
		return nil, fmt.Errorf("mqtt connect %s: %w", brokerURL, err)
	}
	return c, nil
}

// Publish sends one message and waits for the broker to take it.
func (c *MQTTClient) Publish(t testing.TB, topic string, qos byte, payload string) {
	t.Helper()
	tok := c.Client.Publish(topic, qos, false, payload)
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publish %s: %v", topic, tok.Error())
	}
}

// Expect waits for the next message on a topic, skipping none: any message on
// another topic first is a failure.
func (c *MQTTClient) Expect(t testing.TB, topic string, within time.Duration) Message {
	t.Helper()
	select {
	case m := <-c.Msgs:
		if m.Topic != topic {
			t.Fatalf("got message on %q (%s), want %q", m.Topic, m.Payload, topic)
		}
		return m
	case <-time.After(within):
		t.Fatalf("no message on %q within %v", topic, within)
	}
	return Message{}
}

// Drain returns what the client has received so far.
func (c *MQTTClient) Drain() []Message {
	var out []Message
	for {
		select {
		case m := <-c.Msgs:
			out = append(out, m)
		default:
			return out
		}
	}
}

// Lines splits text into non-empty lines.
func Lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// WriteFile writes body to dir/name (mode 0600) and returns its path.
func WriteFile(t testing.TB, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Buffer is a bytes.Buffer that a logger or a child process writes while
// the test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
