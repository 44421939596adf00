package tui

import "charm.land/lipgloss/v2"

type styles struct {
	title, header, selected, status, warn, bad, help, faint, label, key lipgloss.Style
}

// newStyles uses the terminal's own palette (ANSI colours), as the sim
// dashboard does: no query of the terminal's background.
func newStyles() styles {
	return styles{
		title:    lipgloss.NewStyle().Bold(true),
		header:   lipgloss.NewStyle().Bold(true).Underline(true),
		selected: lipgloss.NewStyle().Reverse(true),
		status:   lipgloss.NewStyle(),
		warn:     lipgloss.NewStyle().Foreground(lipgloss.Color("3")).Bold(true),
		bad:      lipgloss.NewStyle().Foreground(lipgloss.Color("1")),
		help:     lipgloss.NewStyle().Faint(true),
		faint:    lipgloss.NewStyle().Faint(true),
		label:    lipgloss.NewStyle().Faint(true).Width(14),
		key:      lipgloss.NewStyle().Bold(true).Width(12),
	}
}
