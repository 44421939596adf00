package view

import "charm.land/lipgloss/v2"

type styles struct {
	plain, title, label, help, ok, bad, warn lipgloss.Style
}

// newStyles uses the terminal's own palette (ANSI colours 1-3) rather than
// colours chosen for a light or dark background: picking those would mean
// asking the terminal for its background and waiting for the reply. The
// program's renderer lowers the colours to what the dashboard's output
// supports, or drops them.
func newStyles() styles {
	return styles{
		plain: lipgloss.NewStyle(),
		title: lipgloss.NewStyle().Bold(true),
		label: lipgloss.NewStyle().Faint(true).Width(11),
		help:  lipgloss.NewStyle().Faint(true),
		ok:    lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
		bad:   lipgloss.NewStyle().Foreground(lipgloss.Color("1")),
		warn:  lipgloss.NewStyle().Foreground(lipgloss.Color("3")).Bold(true),
	}
}

// count is the style of a failure count: red once there is one.
func (sty styles) count(n int64) lipgloss.Style {
	if n > 0 {
		return sty.bad
	}
	return sty.plain
}
