package natsconn_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/server/embednats"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
)

func TestBindFlagsAndValidate(t *testing.T) {
	o := natsconn.DefaultOptions()
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	o.BindFlags(fs)
	if f := fs.Lookup("nats"); f == nil || f.DefValue != natsconn.DefaultURL {
		t.Fatalf("--nats %+v", f)
	}
	if err := fs.Parse([]string{"--nats", "nats://a:4222,nats://b:4222"}); err != nil || o.URL != "nats://a:4222,nats://b:4222" || o.Validate() != nil {
		t.Errorf("URL %q, %v", o.URL, err)
	}
	if err := (natsconn.Options{}).Validate(); !errors.Is(err, natsconn.ErrNoURL) {
		t.Errorf("empty URL: %v", err)
	}
}

// TestConnectBeforeTheServer: a service started before NATS connects once
// it is there, counts the loss when it goes, and hears of the gap on both
// of its edges.
func TestConnectBeforeTheServer(t *testing.T) {
	addr := testenv.FreeAddr(t)
	var mu sync.Mutex
	kinds := map[string]int{}
	gaps := 0
	count := func(what string) func() bool {
		return func() bool { mu.Lock(); defer mu.Unlock(); return kinds[what] == 1 }
	}
	nc, err := natsconn.Connect(natsconn.Options{URL: "nats://" + addr}, "test", slog.New(slog.DiscardHandler), natsconn.Events{
		Error: func(kind string) {
			mu.Lock()
			kinds[kind]++
			mu.Unlock()
		},
		Gap: func() {
			mu.Lock()
			gaps++
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatalf("Connect without a server: %v", err)
	}
	if nc.IsConnected() {
		t.Fatal("connected to nothing")
	}
	ns, err := embednats.Start(addr, "")
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "connected once NATS is up", nc.IsConnected)
	ns.Shutdown()
	testenv.Eventually(t, 5*time.Second, "disconnect counted", count("disconnect"))
	mu.Lock()
	if gaps != 1 {
		t.Errorf("gaps after the disconnect: %d, want 1", gaps)
	}
	mu.Unlock()
	if ns, err = embednats.Start(addr, ""); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "reconnected", nc.IsConnected)
	testenv.Eventually(t, 5*time.Second, "the reconnect is a gap too", func() bool { mu.Lock(); defer mu.Unlock(); return gaps == 2 })
	ns.Shutdown()
	if err := natsconn.Close(context.Background(), nc); err != nil || !nc.IsClosed() {
		t.Errorf("Close while disconnected: %v, closed %v", err, nc.IsClosed())
	}
}

func TestCloseFlushes(t *testing.T) {
	ns := testenv.NATS(t)
	sub := testenv.Conn(t, ns.ClientURL())
	got, err := sub.SubscribeSync("x")
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.Flush(); err != nil {
		t.Fatal(err)
	}
	nc, err := natsconn.Connect(natsconn.Options{URL: ns.ClientURL()}, "test", slog.New(slog.DiscardHandler), natsconn.Events{})
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish("x", []byte("last words")); err != nil {
		t.Fatal(err)
	}
	if err := natsconn.Close(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	if m, err := got.NextMsg(5 * time.Second); err != nil || string(m.Data) != "last words" {
		t.Errorf("published before Close: %v %v", m, err)
	}
	if err := natsconn.Close(context.Background(), nil); err != nil {
		t.Errorf("Close(nil): %v", err)
	}
}

// TestCloseWhenLostDuringFlush: a connection that drops while Close waits
// for the server's PONG closes without an error at once, like one that was
// down before Close, instead of waiting out the flush deadline (a shutdown
// racing a NATS restart). nats.go itself ends a flush whose PING went out
// before the loss; Close also ends the one whose PING was queued after
// nats.go saw the loss (TestConnectBeforeTheServer hit that window in CI).
func TestCloseWhenLostDuringFlush(t *testing.T) {
	ns := testenv.NATS(t)
	// A proxy that drops the connection when it sees the client's second
	// PING (the first is part of connecting), and takes no reconnect.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer c.Close()
		up, err := net.Dial("tcp", strings.TrimPrefix(ns.ClientURL(), "nats://"))
		if err != nil {
			return
		}
		defer up.Close()
		go func() { _, _ = io.Copy(c, up) }()
		rd, pings := bufio.NewReader(c), 0
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				return
			}
			if line == "PING\r\n" {
				if pings++; pings == 2 {
					return
				}
			}
			if _, err := io.WriteString(up, line); err != nil {
				return
			}
		}
	}()
	nc, err := natsconn.Connect(natsconn.Options{URL: "nats://" + ln.Addr().String()}, "test", slog.New(slog.DiscardHandler), natsconn.Events{})
	if err != nil {
		t.Fatal(err)
	}
	if !nc.IsConnected() {
		t.Fatal("not connected through the proxy")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := natsconn.Close(ctx, nc); err != nil || !nc.IsClosed() {
		t.Errorf("Close of a connection lost during its flush: %v, closed %v", err, nc.IsClosed())
	}
	if ctx.Err() != nil {
		t.Error("Close waited out its deadline")
	}
}

func TestRedacted(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"nats://s3cret@127.0.0.1:4222", "nats://xxxxx@127.0.0.1:4222"},
		{"nats://u:p@a:4222,nats://b:4222", "nats://xxxxx@a:4222,nats://b:4222"},
	} {
		if got := (natsconn.Options{URL: tt.in}).Redacted(); got != tt.want {
			t.Errorf("Redacted(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestToken: a server that requires a token refuses a client without it and
// admits one with the token from a file, the way `kaactl up`'s services and
// tools attach.
func TestToken(t *testing.T) {
	const token = "0123456789abcdef"
	ns, err := embednats.Start("127.0.0.1:0", token)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	if nc, err := nats.Connect(ns.ClientURL()); err == nil {
		nc.Close()
		t.Fatal("connected without the token")
	} else if !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("without the token: %v, want an authorization error", err)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "nats.token")
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	o := natsconn.Options{URL: ns.ClientURL()}
	o.BindFlags(fs)
	if err := fs.Parse([]string{"--nats-token-file", file}); err != nil {
		t.Fatal(err)
	}
	nc, err := natsconn.Connect(o, "test", slog.New(slog.DiscardHandler), natsconn.Events{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	testenv.Eventually(t, 5*time.Second, "connected with the token file", nc.IsConnected)

	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{empty, filepath.Join(dir, "missing")} {
		if _, err := natsconn.Connect(natsconn.Options{URL: ns.ClientURL(), TokenFile: f}, "test", slog.New(slog.DiscardHandler), natsconn.Events{}); err == nil {
			t.Errorf("Connect with token file %s: no error", f)
		}
	}
}
