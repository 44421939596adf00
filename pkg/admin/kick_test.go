package admin_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/api"
)

// TestKickEach: every client ID is tried and reported as it goes; one
// failure among several is a count, the failure of the only one is itself.
func TestKickEach(t *testing.T) {
	tr := startTwoReplicas(t)
	ctx := context.Background()
	var reported []string
	report := func(k admin.Kicked, err error) {
		reported = append(reported, fmt.Sprintf("%s %v %v", k.ClientID, k.Replicas, err != nil))
	}
	done, err := admin.KickEach(ctx, tr.client, "", "test", []string{"dev-a", "nobody", "dev-c"}, report)
	if err == nil || err.Error() != "1 of 3 sessions not kicked" || len(done) != 2 || done[1].ClientID != "dev-c" || done[1].Replicas[0] != "r2" {
		t.Errorf("kicked %+v, %v", done, err)
	}
	if strings.Join(reported, "; ") != "dev-a [r1] false; nobody [] true; dev-c [r2] false" {
		t.Errorf("reported %q", reported)
	}
	done, err = admin.KickEach(ctx, tr.client, "", "test", []string{"dev-a"}, nil)
	if !errors.Is(err, admin.ErrNotFound) || done == nil || len(done) != 0 {
		t.Errorf("kicked again: %+v, %v", done, err)
	}
}

func TestMissingError(t *testing.T) {
	if err := (&admin.Gathered{}).MissingError(time.Second); err != nil {
		t.Errorf("nobody missing: %v", err)
	}
	err := (&admin.Gathered{Missing: []string{"r2", "r3"}}).MissingError(time.Second)
	if !errors.Is(err, admin.ErrReplicaMissing) || err.Error() != "replica missing: r2, r3 did not answer within 1s (seen by a peer in the last "+api.PeerTTL.String()+")" {
		t.Errorf("%v", err)
	}
}
