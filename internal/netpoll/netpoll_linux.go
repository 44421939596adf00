package netpoll

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"
)

// Poller waits for connections to become readable. Its zero value is not
// usable; New makes one, Close ends it.
type Poller struct {
	epfd int
	wake [2]int // a pipe whose read end, in the epoll set, ends wait

	mu     sync.Mutex
	next   uint64
	waits  map[uint64]*wait
	closed bool
	done   chan struct{} // the epoll goroutine ended
	stop   chan struct{} // ends the deadline sweep
}

// wait is one connection waiting: ready is called once, with expired when
// its deadline (Unix nanoseconds, 0 for none) passed first.
type wait struct {
	ready    func(expired bool)
	deadline int64
}

// sweepEvery is how often waits are checked for their deadline: a keepalive
// deadline is 1.5 times the keepalive, whole seconds, so a waiting client
// is ended at most this much later than a reading one would be.
const sweepEvery = 250 * time.Millisecond

// The wait's ID for the wake-up pipe.
const wakeID = 0

// New starts a Poller and its goroutine.
func New() (*Poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	p := &Poller{epfd: epfd, waits: make(map[uint64]*wait), done: make(chan struct{}), stop: make(chan struct{})}
	if err := syscall.Pipe2(p.wake[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		syscall.Close(epfd)
		return nil, fmt.Errorf("epoll wake-up pipe: %w", err)
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN}
	setID(&ev, wakeID)
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, p.wake[0], &ev); err != nil {
		p.closeFDs()
		return nil, fmt.Errorf("epoll: %w", err)
	}
	go p.wait()
	go p.sweep()
	return p, nil
}

// Await calls ready(false), once, when c becomes readable: bytes, end of
// stream or an error; or ready(true) once deadline passes first (zero: no
// deadline). A closed connection leaves the epoll set without a word, so
// the caller wakes its waits itself when it closes one. ready runs on one of
// the Poller's goroutines and must not block. cancel ends the wait without
// a call. ok is false when c is not a TCP connection or the Poller is
// closed.
func (p *Poller) Await(c net.Conn, deadline time.Time, ready func(expired bool)) (cancel func(), ok bool) {
	tc, isTCP := c.(*net.TCPConn)
	if !isTCP || p == nil {
		return nil, false
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil, false
	}
	w := &wait{ready: ready}
	if !deadline.IsZero() {
		w.deadline = max(deadline.UnixNano(), 1)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, false
	}
	p.next++
	id := p.next
	p.waits[id] = w
	p.mu.Unlock()
	// Level-triggered and one-shot: bytes that arrived before the wait was
	// armed wake it at once, and it wakes once.
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT}
	setID(&ev, id)
	var ctlErr error
	err = rc.Control(func(fd uintptr) {
		ctlErr = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev)
		if errors.Is(ctlErr, syscall.EEXIST) { // waited for before: a spent one-shot stays in the set
			ctlErr = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_MOD, int(fd), &ev)
		}
	})
	if err == nil {
		err = ctlErr
	}
	if err != nil {
		p.take(id)
		return nil, false
	}
	// An armed descriptor left behind by cancel wakes nobody: its ID is gone,
	// and the next Await re-arms it with a new one.
	return func() { p.take(id) }, true
}

// Len is the number of connections waiting.
func (p *Poller) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.waits)
}

// take removes wait id; nil if it was gone (woken or cancelled).
func (p *Poller) take(id uint64) *wait {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.waits[id]
	delete(p.waits, id)
	return w
}

// Close ends the Poller: the waits left are woken (so that nothing waits
// for ever), and Await refuses new ones.
func (p *Poller) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	close(p.stop)
	_, _ = syscall.Write(p.wake[1], []byte{0})
	<-p.done
	p.closeFDs()
	p.mu.Lock()
	left := p.waits
	p.waits = make(map[uint64]*wait)
	p.mu.Unlock()
	for _, w := range left {
		w.ready(false)
	}
	return nil
}

func (p *Poller) closeFDs() {
	syscall.Close(p.wake[0])
	syscall.Close(p.wake[1])
	syscall.Close(p.epfd)
}

// wait is the Poller's goroutine: it blocks in epoll_wait (on a thread of
// its own, as any blocking system call) and wakes the ready connections.
func (p *Poller) wait() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 256)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			return // the set is unusable; Close wakes what is left
		}
		for i := range events[:n] {
			id := eventID(&events[i])
			if id == wakeID {
				return
			}
			if w := p.take(id); w != nil {
				w.ready(false)
			}
		}
	}
}

// sweep wakes the waits whose deadline passed.
func (p *Poller) sweep() {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	var expired []*wait
	for {
		select {
		case <-p.stop:
			return
		case now := <-t.C:
			p.mu.Lock()
			for id, w := range p.waits {
				if w.deadline != 0 && w.deadline <= now.UnixNano() {
					expired = append(expired, w)
					delete(p.waits, id)
				}
			}
			p.mu.Unlock()
			for i, w := range expired {
				w.ready(true)
				expired[i] = nil
			}
			expired = expired[:0]
		}
	}
}

// A wait's ID is the epoll event's 64 bits of user data (Fd and Pad).
func setID(ev *syscall.EpollEvent, id uint64) {
	ev.Fd, ev.Pad = int32(uint32(id)), int32(uint32(id>>32))
}

func eventID(ev *syscall.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}
