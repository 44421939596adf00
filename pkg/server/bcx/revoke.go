package bcx

import (
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/ism"
)

// revocationRetention is how long a revocation is remembered at least:
// past the lifetime of any token issued before it.
const revocationRetention = 24 * time.Hour

// revocations remember when endpoints were suspended or revoked (16/ECAP
// token revoked events), so that upload tokens issued before stop working
// at once, while tokens stay stateless otherwise: an endpoint activated
// again gets new tokens, issued after the revocation, that work.
type revocations struct {
	mu sync.Mutex
	at map[string]time.Time // app \x00 endpointID -> when
}

func revocationKey(app, endpointID string) string { return app + "\x00" + endpointID }

// add records a revocation at now and forgets those older than keep.
func (r *revocations) add(app, endpointID string, now time.Time, keep time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.at == nil {
		r.at = map[string]time.Time{}
	}
	for k, t := range r.at {
		if now.Sub(t) > keep {
			delete(r.at, k)
		}
	}
	r.at[revocationKey(app, endpointID)] = now
}

// revoked reports whether a token of the endpoint issued at issued (unix
// ms) was issued before the endpoint's latest revocation.
func (r *revocations) revoked(app, endpointID string, issued int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.at[revocationKey(app, endpointID)]
	return ok && issued <= t.UnixMilli()
}

// onTokenRevoked follows the provider's 16/ECAP endpoint token revoked
// events (an endpoint suspended or revoked): every BCX replica hears them.
func (s *Server) onTokenRevoked(m *nats.Msg) {
	var ev ism.EndpointTokenRevokedEvent
	if err := ism.Unmarshal(m.Data, &ev); err != nil || ev.AppName == "" || ev.EndpointID == "" {
		s.log.Warn("bad token revoked event", "subject", m.Subject, "error", err)
		return
	}
	s.revoked.add(ev.AppName, ev.EndpointID, s.now(), max(revocationRetention, 2*s.tokenTTL(ev.AppName)))
	s.log.Info("upload tokens of endpoint revoked", "app", ev.AppName, "endpointId", ev.EndpointID)
}
