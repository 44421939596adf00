package main

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"github.com/nats-io/nats.go"
)

func natsConnect(c config, name string) (*nats.Conn, error) {
	url := c.addr
	if !strings.Contains(url, "://") {
		url = "nats://" + url
	}
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(0))
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", url, err)
	}
	return nc, nil
}

// natsRespond echoes every request on c.subject: responders connections in
// one queue group, like extension replicas.
func natsRespond(c config) error {
	var n atomic.Int64
	conns := make([]*nats.Conn, c.responders)
	for i := range conns {
		nc, err := natsConnect(c, fmt.Sprintf("kpbench-responder-%d", i))
		if err != nil {
			return err
		}
		if _, err := nc.QueueSubscribe(c.subject, "kpbench", func(m *nats.Msg) {
			n.Add(1)
			_ = m.Respond(m.Data)
		}); err != nil {
			return fmt.Errorf("subscribe %s: %w", c.subject, err)
		}
		if err := nc.Flush(); err != nil {
			return fmt.Errorf("flush: %w", err)
		}
		conns[i] = nc
	}
	fmt.Fprintln(os.Stderr, "kpbench nats-responder ready")
	waitForSignal()
	for _, nc := range conns {
		nc.Close()
	}
	fmt.Fprintf(os.Stderr, "kpbench nats-responder answered %d\n", n.Load())
	return nil
}

// natsLoad sends requests with nats.go's Request: one connection per client,
// one request in flight on each.
func natsLoad(c config) error {
	payload := []byte(strings.Repeat("x", c.size))
	conns := make([]*nats.Conn, c.clients)
	for i := range conns {
		nc, err := natsConnect(c, fmt.Sprintf("kpbench-%d", i))
		if err != nil {
			return err
		}
		conns[i] = nc
	}
	r := closedLoop(c, c.clients, func(slot, _ int) error {
		m, err := conns[slot].Request(c.subject, payload, c.timeout)
		if err != nil {
			return err
		}
		if len(m.Data) != len(payload) {
			return fmt.Errorf("reply of %d bytes to a request of %d", len(m.Data), len(payload))
		}
		return nil
	})
	r.QoS = -1
	for _, nc := range conns {
		nc.Close()
	}
	return printResult(c, r)
}
