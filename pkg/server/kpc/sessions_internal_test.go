package kpc

import "testing"

// TestSessionQueue: the reply queue holds up to sessionQueue replies, refuses
// more (the caller counts the drop), refuses everything once closed, and
// counts replies until the writer says they are written. The writer is
// played by the test (writing is set, so enqueue starts none).
func TestSessionQueue(t *testing.T) {
	s := newSession(nil)
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
	s.written(len(batch))
	if got := s.pendingWrites(); got != 1 {
		t.Fatalf("pending %d, want 1", got)
	}
	if next, ok := s.take(batch); !ok || len(next) != 1 || next[0].topic != "next" {
		t.Fatalf("second batch %v", next)
	}
	s.written(1)
	if _, ok := s.take(nil); ok || s.writing {
		t.Fatal("writer not told to stop on an empty queue")
	}
	s.writing = true
	s.close()
	if s.enqueue(outbound{topic: "late"}) || s.pendingWrites() != 0 {
		t.Fatal("closed session accepted a reply")
	}
}
