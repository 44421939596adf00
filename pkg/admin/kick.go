package admin

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kaactl/kaactl/pkg/api"
)

// Kicked is a client whose session was closed, and by which replicas.
type Kicked struct {
	ClientID string   `json:"clientId"`
	Replicas []string `json:"replicas"`
}

// KickEach kicks the session of every client ID in turn (on replica, or
// wherever it is when replica is ""); a failure does not stop the others.
// report, if set, hears each outcome as it comes (a nil error: kicked). It
// returns the clients kicked (never nil) and, when some failed, the error:
// the failure itself for one client ID, else how many were not kicked.
func KickEach(ctx context.Context, s SessionSource, replica, reason string, ids []string, report func(Kicked, error)) ([]Kicked, error) {
	done := []Kicked{}
	var failed error
	for _, id := range ids {
		replicas, err := s.Kick(ctx, replica, id, reason)
		k := Kicked{ClientID: id, Replicas: replicas}
		if err != nil {
			failed = err
		} else {
			done = append(done, k)
		}
		if report != nil {
			report(k, err)
		}
	}
	if failed != nil && len(ids) > 1 {
		return done, fmt.Errorf("%d of %d sessions not kicked", len(ids)-len(done), len(ids))
	}
	return done, failed
}

// MissingError is nil when every replica expected answered, else an
// ErrReplicaMissing naming those that did not within timeout.
func (g *Gathered) MissingError(timeout time.Duration) error {
	if len(g.Missing) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s did not answer within %v (seen by a peer in the last %v)", ErrReplicaMissing, strings.Join(g.Missing, ", "), timeout, api.PeerTTL)
}
