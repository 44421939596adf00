//go:build linux

package netpoll

import (
	"net"
	"testing"
	"time"
)

// pair is a connected TCP pair on loopback: server side first.
func pair(t *testing.T) (*net.TCPConn, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return server.(*net.TCPConn), client.(*net.TCPConn)
}

func newPoller(t *testing.T) *Poller {
	t.Helper()
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func fired(ch chan struct{}, within time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(within):
		return false
	}
}

func TestAwaitWakesOnceReadable(t *testing.T) {
	cases := []struct {
		name string
		peer func(c *net.TCPConn)
	}{
		{"bytes", func(c *net.TCPConn) { c.Write([]byte("x")) }},
		{"end of stream", func(c *net.TCPConn) { c.CloseWrite() }},
		{"reset", func(c *net.TCPConn) { c.SetLinger(0); c.Close() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newPoller(t)
			server, client := pair(t)
			woken := make(chan struct{}, 2)
			if _, ok := p.Await(server, time.Time{}, func(bool) { woken <- struct{}{} }); !ok {
				t.Fatal("Await declined a TCP connection")
			}
			if p.Len() != 1 {
				t.Fatalf("Len %d, want 1", p.Len())
			}
			tc.peer(client)
			if !fired(woken, 5*time.Second) {
				t.Fatal("not woken")
			}
			if p.Len() != 0 {
				t.Fatalf("Len %d after the wake-up, want 0", p.Len())
			}
			client.Write([]byte("more")) // one-shot: no second wake-up
			if fired(woken, 100*time.Millisecond) {
				t.Fatal("woken twice")
			}
			// A woken connection can wait again (its spent one-shot is re-armed).
			if _, ok := p.Await(server, time.Time{}, func(bool) { woken <- struct{}{} }); !ok {
				t.Fatal("Await declined a second wait")
			}
			if !fired(woken, 5*time.Second) {
				t.Fatal("the second wait was not woken")
			}
		})
	}
}

// Bytes that arrived before the wait was armed wake it at once: nothing
// sent between a reader's last read and Await is missed.
func TestAwaitSeesBytesAlreadyThere(t *testing.T) {
	p := newPoller(t)
	server, client := pair(t)
	client.Write([]byte("early"))
	buf := make([]byte, 1)
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := server.Read(buf); err != nil { // "early" has surely arrived
		t.Fatal(err)
	}
	woken := make(chan struct{}, 1)
	p.Await(server, time.Time{}, func(bool) { woken <- struct{}{} })
	if !fired(woken, 5*time.Second) {
		t.Fatal("bytes waiting in the socket did not wake the wait")
	}
}

func TestCancelledWaitStaysQuiet(t *testing.T) {
	p := newPoller(t)
	server, client := pair(t)
	woken := make(chan struct{}, 1)
	cancel, _ := p.Await(server, time.Time{}, func(bool) { woken <- struct{}{} })
	cancel()
	cancel() // twice is harmless
	client.Write([]byte("x"))
	if fired(woken, 100*time.Millisecond) {
		t.Fatal("a cancelled wait was woken")
	}
	if p.Len() != 0 {
		t.Fatalf("Len %d, want 0", p.Len())
	}
	// The connection can be waited for again.
	p.Await(server, time.Time{}, func(bool) { woken <- struct{}{} })
	if !fired(woken, 5*time.Second) {
		t.Fatal("the second wait was not woken")
	}
}

func TestCloseWakesWhatIsLeft(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	server, _ := pair(t)
	woken := make(chan struct{}, 1)
	p.Await(server, time.Time{}, func(bool) { woken <- struct{}{} })
	p.Close()
	if !fired(woken, 5*time.Second) {
		t.Fatal("Close left a wait asleep")
	}
	if _, ok := p.Await(server, time.Time{}, func(bool) {}); ok {
		t.Fatal("a closed Poller took a wait")
	}
	p.Close()
}

func TestAwaitDeclinesWhatItCannotWaitFor(t *testing.T) {
	p := newPoller(t)
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, ok := p.Await(a, time.Time{}, func(bool) {}); ok {
		t.Fatal("Await took a net.Pipe")
	}
	var nilPoller *Poller
	server, _ := pair(t)
	if _, ok := nilPoller.Await(server, time.Time{}, func(bool) {}); ok {
		t.Fatal("a nil Poller took a wait")
	}
}

// A wait whose deadline passes first is woken with expired, once; one woken
// by bytes first is not.
func TestAwaitDeadline(t *testing.T) {
	p := newPoller(t)
	server, client := pair(t)
	got := make(chan bool, 2)
	if _, ok := p.Await(server, time.Now().Add(50*time.Millisecond), func(expired bool) { got <- expired }); !ok {
		t.Fatal("Await declined")
	}
	select {
	case expired := <-got:
		if !expired {
			t.Fatal("woken without bytes and not expired")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the deadline did not wake the wait")
	}
	p.Await(server, time.Now().Add(time.Hour), func(expired bool) { got <- expired })
	client.Write([]byte("x"))
	if expired := <-got; expired {
		t.Fatal("woken by bytes but reported expired")
	}
	if fired := len(got); fired != 0 {
		t.Fatalf("%d more wake-ups", fired)
	}
}
