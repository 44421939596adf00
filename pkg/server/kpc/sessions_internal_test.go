package kpc

import "testing"

// TestSessionQueue: the reply queue holds up to sessionQueue replies, refuses
// more (the caller counts the drop), refuses everything once closed, and
// counts replies until the writer says they are written.
func TestSessionQueue(t *testing.T) {
	s := newSession(nil)
	for i := range sessionQueue {
		if !s.enqueue(outbound{topic: "t", payload: []byte{byte(i)}}) {
			t.Fatalf("reply %d refused below the limit", i)
		}
	}
	if s.enqueue(outbound{topic: "over"}) {
		t.Fatal("reply over the limit accepted")
	}
	select {
	case <-s.wake:
	default:
		t.Fatal("writer not woken")
	}
	batch := s.take(nil)
	if len(batch) != sessionQueue || batch[7].payload[0] != 7 || s.pendingWrites() != sessionQueue {
		t.Fatalf("batch %d, pending %d", len(batch), s.pendingWrites())
	}
	if !s.enqueue(outbound{topic: "next"}) {
		t.Fatal("queue still full after the writer took it")
	}
	s.written(len(batch))
	if got := s.pendingWrites(); got != 1 {
		t.Fatalf("pending %d, want 1", got)
	}
	if next := s.take(batch); len(next) != 1 || next[0].topic != "next" {
		t.Fatalf("second batch %v", next)
	}
	s.written(1)
	s.close()
	if s.enqueue(outbound{topic: "late"}) || s.pendingWrites() != 0 {
		t.Fatal("closed session accepted a reply")
	}
}
