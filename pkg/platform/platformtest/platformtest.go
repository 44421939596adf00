// Package platformtest runs the whole platform inside a test, the one
// harness of every end-to-end test, in the way nats-server's test.RunServer
// runs a server: free loopback ports, data in t.TempDir(), ready when Start
// returns, shut down at cleanup.
package platformtest

import (
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/server/bcx"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// Loopback is a free port on the loopback interface.
const Loopback = "127.0.0.1:0"

// Start runs a platform with every listener on a free loopback port (MQTT,
// MQTT/TLS, WebSocket, secure WebSocket, HTTP, management, BCX, provider,
// NATS, the HTTPS origin) and its data in a new t.TempDir(), after applying
// opts to those options; it returns once KPC is connected and ready.
// Shutdown runs at cleanup, and its error fails
// the test.
func Start(t testing.TB, opts ...func(*platform.Options)) *platform.Platform {
	t.Helper()
	o := platform.DefaultOptions()
	o.DataDir, o.NATSAddr = t.TempDir(), Loopback
	o.KPC.MQTTAddr, o.KPC.MQTTSAddr, o.KPC.WSAddr, o.KPC.WSSAddr, o.KPC.HTTPAddr, o.KPC.RESTAddr = Loopback, Loopback, Loopback, Loopback, Loopback, Loopback
	o.BCX.RESTAddr, o.Provider.RESTAddr, o.HTTPSAddr = Loopback, Loopback, Loopback
	for _, fn := range opts {
		fn(&o)
	}
	p, err := platform.New(o)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Start(t, "platform", p)
	testenv.Eventually(t, 5*time.Second, "kpc ready", p.KPC().Ready)
	return p
}

// NoEcho runs no echo extension, so a test can answer as "echo" itself.
func NoEcho(o *platform.Options) { o.Echo = false }

// NoHTTPS runs no HTTPS origin (nor its certificate, without MQTT/TLS).
func NoHTTPS(o *platform.Options) { o.HTTPSAddr = "" }

// KPC changes the options of KPC.
func KPC(fn func(*kpc.Options)) func(*platform.Options) {
	return func(o *platform.Options) { fn(&o.KPC) }
}

// BCX changes the options of BCX.
func BCX(fn func(*bcx.Options)) func(*platform.Options) {
	return func(o *platform.Options) { fn(&o.BCX) }
}
