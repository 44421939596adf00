package kpc

import (
	"testing"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"

	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

// TestRevocationLog: a key counts as revoked after a mark only when its
// revocation came after the mark was taken; revocations are forgotten
// after the log's memory, unless made again since.
func TestRevocationLog(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	l := newRevocationLog(time.Minute)
	before := l.count
	l.add(t0, []string{"a", ""})
	after := l.count
	l.add(t0.Add(30*time.Second), []string{"b"})
	tests := []struct {
		name string
		key  string
		mark uint64
		want bool
	}{
		{"revoked after the mark", "a", before, true},
		{"revoked before the mark", "a", after, false},
		{"never revoked", "c", before, false},
		{"empty key", "", before, false},
		{"later revocation", "b", after, true},
	}
	for _, tt := range tests {
		if got := l.since(tt.key, tt.mark); got != tt.want {
			t.Errorf("%s: since(%q, %d) = %v, want %v", tt.name, tt.key, tt.mark, got, tt.want)
		}
	}
	// A minute and more later a is forgotten; b, revoked again, is not.
	l.add(t0.Add(61*time.Second), []string{"b"})
	l.add(t0.Add(95*time.Second), []string{"d"})
	if l.since("a", before) {
		t.Error("a still remembered after the log's memory")
	}
	if !l.since("b", after) {
		t.Error("b forgotten although revoked again within the memory")
	}
	if len(l.queue) != 2 || len(l.byKey) != 2 {
		t.Errorf("queue %d entries, %d keys; want 2 and 2 (b's second revocation, d)", len(l.queue), len(l.byKey))
	}
}

// TestRegistryCatchesRevocationInFlight: a session admitted on an answer
// asked for before its credentials or token were revoked, but filed after
// the revocation's event, is reported for closing; one asked for after the
// event is not.
func TestRegistryCatchesRevocationInFlight(t *testing.T) {
	alice := identity{method: kaaconfig.AuthBasic, tenant: "kaa", subject: "alice", credentialsID: "c-alice"}
	ref := &endpointRef{appName: "app", token: "tok", tokenID: "t-1", endpointID: "ep-1"}
	r := newSessionRegistry(time.Minute)
	mark := r.revocationMark()
	if got := r.revokeCredentials(alice.credentialsKey()); len(got) != 0 {
		t.Fatalf("sessions of unused credentials: %d", len(got))
	}
	if r.add(newSession(&mqtt.Client{ID: "asked-before"}, alice, roomy), mark) {
		t.Error("a session asked for before the revocation was filed as current")
	}
	if !r.add(newSession(&mqtt.Client{ID: "asked-after"}, alice, roomy), r.revocationMark()) {
		t.Error("a session asked for after the revocation was reported revoked")
	}
	if !r.add(newSession(&mqtt.Client{ID: "anonymous"}, anonymous, roomy), mark) {
		t.Error("an anonymous session was reported revoked")
	}

	sess := newSession(&mqtt.Client{ID: "token-user"}, anonymous, roomy)
	r.add(sess, 0)
	mark = r.revocationMark()
	r.revokeTokenIDs([]string{"t-1"})
	sess.remember(ref)
	if r.bind(sess, ref, mark) {
		t.Error("a token resolved before its revocation was bound as current")
	}
	if !r.bind(sess, ref, r.revocationMark()) {
		t.Error("a token resolved after the revocation was reported revoked")
	}
	if got := r.revokeTokenIDs([]string{"t-1"}); len(got) != 1 || got[0] != sess {
		t.Errorf("sessions of the token: %v, want the one bound", got)
	}
}
