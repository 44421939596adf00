//go:build !linux

package netpoll

import (
	"net"
	"time"
)

// Poller waits for nothing here: Await always declines.
type Poller struct{}

// New returns a Poller whose Await declines every connection.
func New() (*Poller, error) { return &Poller{}, nil }

// Await declines: ok is false.
func (p *Poller) Await(net.Conn, time.Time, func(bool)) (cancel func(), ok bool) { return nil, false }

// Len is 0.
func (p *Poller) Len() int { return 0 }

// Close does nothing.
func (p *Poller) Close() error { return nil }
