// Package embednats runs a nats-server inside the process: `kaactl up` uses it
// so that one command brings the whole platform, and tests use it on port -1.
package embednats

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Start runs a NATS server on addr ("127.0.0.1:4222"; port 0 picks one) and
// waits until it accepts connections. A token, when not empty, is required
// of every client: without one, any local process could read endpoint
// tokens off NATS or inject extension data and revocation events.
func Start(addr, token string) (*server.Server, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("nats address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("nats port %q: %w", portStr, err)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	ns, err := server.NewServer(&server.Options{
		Host:                  host,
		Port:                  port,
		NoLog:                 true,
		NoSigs:                true,
		MaxPayload:            8 << 20,
		MaxPending:            256 << 20,
		WriteDeadline:         10 * time.Second,
		DisableShortFirstPing: true,
		Authorization:         token,
	})
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("nats server on %s not ready (port in use?)", addr)
	}
	return ns, nil
}
