package tui_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/admin/tui"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
)

// TestRunConfig: a NATS nobody listens on fails before the view starts;
// with the platform's NATS the view runs until its context ends, which is
// no failure.
func TestRunConfig(t *testing.T) {
	cfg := admin.DefaultSessionsConfig(t.TempDir())
	cfg.NATSURL = "nats://127.0.0.1:1"
	if err := tui.RunConfig(context.Background(), &cfg, strings.NewReader(""), io.Discard); !errors.Is(err, admin.ErrUnreachable) {
		t.Errorf("no NATS: %v", err)
	}
	p := platformtest.Start(t)
	cfg = admin.DefaultSessionsConfig(p.DataDir())
	cfg.NATSURL = p.NATSURL()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tui.RunConfig(ctx, &cfg, strings.NewReader(""), io.Discard); err != nil {
		t.Errorf("ended by its context: %v", err)
	}
}
