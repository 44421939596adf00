// Package view shows a running simulation (pkg/sim) to the person who
// started it: a live bubbletea dashboard on a terminal, a progress line that
// rewrites itself otherwise. It only reads the engine's Snapshots; stopping
// the run goes through the cancel function it is given.
package view

import (
	"context"
	"io"
	"os"

	"github.com/charmbracelet/x/term"

	"github.com/kaactl/kaactl/pkg/sim"
)

// View shows a running simulation. Update is called from the engine's
// goroutine; Close once the run has ended, before the report is printed.
type View interface {
	Update(sim.Snapshot)
	Close()
}

// New returns the dashboard when tty is true, else the progress line. In
// the dashboard q or ctrl+c calls cancel, since the terminal is in raw mode
// and ctrl+c no longer raises SIGINT.
func New(w io.Writer, tty bool, cancel context.CancelFunc) View {
	if !tty {
		return newProgressLine(w, false)
	}
	return startDashboard(w, cancel)
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool { return f != nil && term.IsTerminal(f.Fd()) }
