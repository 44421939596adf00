package kpc

import (
	"errors"
	"testing"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"

	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

var roomy = sessionLimits{bytes: 1 << 30, window: 16, inFlight: 2, writeTimeout: time.Minute}

// TestSessionQueue: the reply queue holds up to sessionQueue replies, refuses
// more (the caller counts the drop), refuses everything once closed, and
// counts replies until the writer says they are written. The writer is
// played by the test (writing is set, so enqueue starts none).
func TestSessionQueue(t *testing.T) {
	s := newSession(&mqtt.Client{}, anonymous, roomy)
	s.writing = true
	for i := range sessionQueue {
		if !s.enqueue(outbound{topic: "t", payload: []byte{byte(i)}}) {
			t.Fatalf("reply %d refused below the limit", i)
		}
	}
	if s.enqueue(outbound{topic: "over"}) {
		t.Fatal("reply over the limit accepted")
	}
	batch, ok := s.take(nil)
	if !ok || len(batch) != sessionQueue || batch[7].payload[0] != 7 || s.pendingWrites() != sessionQueue {
		t.Fatalf("batch %d, pending %d", len(batch), s.pendingWrites())
	}
	if !s.enqueue(outbound{topic: "next"}) {
		t.Fatal("queue still full after the writer took it")
	}
	if next, ok := s.take(batch); !ok || len(next) != 1 || next[0].topic != "next" {
		t.Fatalf("second batch %v", next)
	}
	if _, ok := s.take(nil); ok || s.writing {
		t.Fatal("writer not told to stop on an empty queue")
	}
	s.writing = true
	s.close()
	if s.enqueue(outbound{topic: "late"}) {
		t.Fatal("closed session accepted a reply")
	}
}

// TestSessionByteBudget: replies are refused once the bytes a session holds
// (queued, being written, unacknowledged) would pass its budget; an empty
// session takes any one reply; acknowledged replies give their bytes back.
func TestSessionByteBudget(t *testing.T) {
	s := newSession(&mqtt.Client{}, anonymous, sessionLimits{bytes: 100, window: 16, inFlight: 2, writeTimeout: time.Minute})
	s.writing = true
	big := outbound{topic: "t", payload: make([]byte, 150)}
	if !s.enqueue(big) {
		t.Fatal("an empty session refused a reply larger than its budget")
	}
	if s.enqueue(outbound{topic: "t", payload: []byte("x")}) {
		t.Fatal("reply accepted over the byte budget")
	}
	s.take(nil)
	// The writer sent it at QoS 1: its bytes stay held until acknowledged.
	s.mu.Lock()
	s.unacked = map[uint16]int{9: big.size()}
	s.mu.Unlock()
	if s.enqueue(outbound{topic: "t", payload: []byte("x")}) {
		t.Fatal("reply accepted while an unacknowledged one fills the budget")
	}
	s.acknowledged(8) // not one of this session's replies
	s.acknowledged(9)
	for i := range 3 {
		if !s.enqueue(outbound{topic: "t", payload: make([]byte, 30)}) {
			t.Fatalf("reply %d refused after the acknowledgement freed the budget", i)
		}
	}
	if s.enqueue(outbound{topic: "t", payload: make([]byte, 30)}) {
		t.Fatal("fourth reply of 31 bytes fits a 100 byte budget")
	}
}

// TestSessionWindow: a writer waits while the window is full, goes on at
// the first acknowledgement, and gives up after the write timeout.
func TestSessionWindow(t *testing.T) {
	s := newSession(&mqtt.Client{}, anonymous, sessionLimits{bytes: 1 << 20, window: 1, inFlight: 2, writeTimeout: time.Minute})
	s.unacked = map[uint16]int{1: 10}
	done := make(chan error, 1)
	go func() { done <- s.waitWindow() }()
	select {
	case err := <-done:
		t.Fatalf("waitWindow returned %v with a full window", err)
	default:
	}
	s.acknowledged(1)
	if err := <-done; err != nil {
		t.Fatalf("waitWindow after the acknowledgement: %v", err)
	}

	s = newSession(&mqtt.Client{}, anonymous, sessionLimits{bytes: 1 << 20, window: 1, inFlight: 2, writeTimeout: time.Millisecond})
	s.unacked = map[uint16]int{1: 10}
	if err := s.waitWindow(); !errors.Is(err, errAckTimeout) {
		t.Fatalf("waitWindow with no acknowledgement: %v, want errAckTimeout", err)
	}
}

// TestSessionInFlight: a session holds at most inFlight requests waiting for
// extensions.
func TestSessionInFlight(t *testing.T) {
	s := newSession(&mqtt.Client{}, anonymous, roomy)
	for i := range 2 {
		if !s.startRequest() {
			t.Fatalf("request %d refused below the limit", i)
		}
	}
	if s.startRequest() {
		t.Fatal("third request accepted with inFlight 2")
	}
	s.endRequest()
	if !s.startRequest() {
		t.Fatal("request refused after one was answered")
	}
}

// TestTakeoverNeedsSameIdentity: a client ID in use may be taken over only
// by the identity that holds it; a free one by anyone.
func TestTakeoverNeedsSameIdentity(t *testing.T) {
	r := newSessionRegistry(time.Minute)
	cl := &mqtt.Client{ID: "device-1"}
	alice := identity{method: kaaconfig.AuthBasic, tenant: "kaa", subject: "alice", credentialsID: "c-alice"}
	mallory := identity{method: kaaconfig.AuthBasic, tenant: "kaa", subject: "mallory", credentialsID: "c-mallory"}
	aliceCert := identity{method: kaaconfig.AuthX509, tenant: "kaa", credentialsID: "c-alice"}
	r.add(newSession(cl, alice, roomy), 0)
	tests := []struct {
		clientID string
		id       identity
		want     bool
	}{
		{"device-1", alice, true},
		{"device-1", mallory, false},
		{"device-1", aliceCert, false},
		{"device-1", anonymous, false},
		{"device-2", mallory, true},
	}
	for _, tt := range tests {
		if got := r.mayTakeOver(tt.clientID, tt.id); got != tt.want {
			t.Errorf("mayTakeOver(%q, %+v) = %v, want %v", tt.clientID, tt.id, got, tt.want)
		}
	}
	if got := r.lookupLocked(r.byCredentials, []string{alice.credentialsKey()}); len(got) != 1 {
		t.Errorf("sessions of alice's credentials: %d", len(got))
	}
	r.remove(cl)
	if !r.mayTakeOver("device-1", mallory) {
		t.Error("client ID still held after its session ended")
	}
	if got := r.lookupLocked(r.byCredentials, []string{alice.credentialsKey()}); len(got) != 0 {
		t.Errorf("credentials index kept a removed session: %d", len(got))
	}
}
