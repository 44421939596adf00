// Package tui is `kaactl sessions`: a full-screen bubbletea view of the live
// sessions of every KPC replica, in the spirit of k9s. A table kept current
// by a periodic gather and by 9/ELCE events, sortable, filtered as you type,
// a detail pane, a live event log, and kicking a session after a
// confirmation. All I/O runs in tea.Cmds; nothing is logged to the
// terminal while it runs.
package tui

import (
	"cmp"
	"context"
	"io"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kaactl/kaactl/pkg/admin"
)

// DefaultInterval is how often the sessions are gathered.
const DefaultInterval = 2 * time.Second

// Options configure the view.
type Options struct {
	// Source lists and kicks sessions.
	Source admin.SessionSource
	// Events are ELCE connectivity events (nil: none, e.g. over REST).
	Events <-chan admin.ConnectivityEvent
	// Interval between gathers (default DefaultInterval).
	Interval time.Duration
	// KickReason is logged by the replica for each kick.
	KickReason string
	// Now is the clock (default time.Now); tests freeze it.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	o.Interval = cmp.Or(o.Interval, DefaultInterval)
	o.KickReason = cmp.Or(o.KickReason, "kicked from kaactl sessions")
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// New returns the root model, for Run or a test's program.
func New(ctx context.Context, o Options) tea.Model {
	return newModel(ctx, o.withDefaults())
}

// Run shows the view on the terminal behind in and out until the user quits
// or ctx ends.
func Run(ctx context.Context, o Options, in io.Reader, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := tea.NewProgram(New(ctx, o), tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out))
	_, err := p.Run()
	if ctx.Err() != nil {
		return nil // interrupted: not a failure of the view
	}
	return err
}
