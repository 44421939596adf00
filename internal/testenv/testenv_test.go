package testenv

import (
	"net"
	"testing"
	"time"
)

// fatalRecorder is a testing.TB whose Fatal only records the failure, so
// that a helper's failing path can be tested.
type fatalRecorder struct {
	testing.TB
	failure string
}

func (r *fatalRecorder) Helper()           {}
func (r *fatalRecorder) Fatal(args ...any) { r.failure = args[0].(string) }

// TestReceive: a value that is there comes back; an empty channel fails
// the test with the caller's message.
func TestReceive(t *testing.T) {
	ch := make(chan int, 1)
	ch <- 7
	if got := Receive(t, ch, time.Second, "no value"); got != 7 {
		t.Errorf("Receive = %d, want 7", got)
	}
	r := &fatalRecorder{TB: t}
	if got := Receive(r, ch, time.Millisecond, "no value"); got != 0 || r.failure != "no value" {
		t.Errorf("Receive of an empty channel = %d with failure %q, want 0 with \"no value\"", got, r.failure)
	}
}

// TestFreeAddr: the address is free to listen on.
func TestFreeAddr(t *testing.T) {
	l, err := net.Listen("tcp", FreeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}
