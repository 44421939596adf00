package kpc

import "time"

// revocationLog remembers the credentials and tokens revoked lately, each
// with a count of the revocations so far. A session is admitted on a
// provider's answer: when a revocation commits after the provider answered
// but its event reaches this replica before the session is in the
// registry, the event finds no session to close. So an admission takes a
// mark before it asks, and the registry, when it files the session under
// the credentials or token, looks here for a revocation after the mark.
// The sessionRegistry's lock guards it.
type revocationLog struct {
	memory time.Duration // longer than any question to a provider
	count  uint64
	byKey  map[string]uint64 // key -> count at its revocation
	queue  []revoked         // in revocation order, for forgetting
}

type revoked struct {
	key   string
	count uint64
	at    time.Time
}

func newRevocationLog(memory time.Duration) revocationLog {
	return revocationLog{memory: memory, byKey: map[string]uint64{}}
}

// add records keys as revoked now, and forgets what is older than memory.
func (l *revocationLog) add(now time.Time, keys []string) {
	l.count++
	for _, k := range keys {
		if k == "" {
			continue
		}
		l.byKey[k] = l.count
		l.queue = append(l.queue, revoked{key: k, count: l.count, at: now})
	}
	n := 0
	for n < len(l.queue) && now.Sub(l.queue[n].at) > l.memory {
		if e := l.queue[n]; l.byKey[e.key] == e.count { // not revoked again since
			delete(l.byKey, e.key)
		}
		n++
	}
	if n > 0 {
		l.queue = append(l.queue[:0:0], l.queue[n:]...)
	}
}

// since reports whether key was revoked after mark was taken.
func (l *revocationLog) since(key string, mark uint64) bool {
	c, ok := l.byKey[key]
	return ok && c > mark
}

// revokedTokenKey is a token ID's key in the log, apart from credentials
// keys.
func revokedTokenKey(tokenID string) string {
	if tokenID == "" {
		return ""
	}
	return "token\x00" + tokenID
}
