package view

import tea "charm.land/bubbletea/v2"

// isStopKey reports whether k stops the run (and, pressed again while the
// engine drains, leaves the dashboard). ctrl+c arrives as a key: the
// terminal is in raw mode while the dashboard runs.
func isStopKey(k tea.KeyPressMsg) bool {
	switch k.String() {
	case "q", "ctrl+c":
		return true
	}
	return false
}

// The key help under the dashboard, while the run goes on and while it drains.
const (
	helpRunning  = "q or ctrl+c stops the run"
	helpStopping = "stopping: waiting for replies · ctrl+c again leaves the dashboard"
)
