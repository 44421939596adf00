package tui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kaactl/kaactl/internal/output"
)

// logLines is how many event log entries the table screen shows.
const logLines = 5

// clock is how times show on screen.
const clock = "15:04:05"

// chrome is the lines around the table: title, status, header, event log
// (a rule and its entries, when there is room) and the footer.
func (m *model) chrome() int {
	n := 4
	if m.height >= 16 {
		n += 1 + logLines
	}
	return n
}

// tableRows is how many sessions fit on screen.
func (m *model) tableRows() int { return max(1, m.height-m.chrome()) }

func (m *model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	return v
}

// render draws the whole screen, height lines of at most width cells.
func (m *model) render() string {
	lines := []string{m.titleLine(), m.statusLine()}
	switch m.state {
	case stateDetail:
		lines = append(lines, m.detailLines()...)
	case stateHelp:
		lines = append(lines, m.helpLines()...)
	default:
		lines = append(lines, m.tableLines()...)
	}
	body := m.height - 1
	for len(lines) < body {
		lines = append(lines, "")
	}
	lines = append(lines[:body], m.footer())
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, m.width, "")
	}
	return strings.Join(lines, "\n")
}

func (m *model) titleLine() string {
	left := m.styles.title.Render("kaactl sessions")
	right := "sort " + m.cols[m.sortCol].title + map[bool]string{false: "↑", true: "↓"}[m.sortDesc]
	if m.filter != "" {
		right = fmt.Sprintf("filter %q · %s", m.filter, right)
	}
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return left
	}
	return left + strings.Repeat(" ", gap) + m.styles.faint.Render(right)
}

func (m *model) statusLine() string {
	if !m.gathered {
		if m.lastErr != "" {
			return m.styles.bad.Render(m.lastErr)
		}
		return m.styles.faint.Render("gathering sessions from every replica…")
	}
	answering := len(m.replicas)
	reps := fmt.Sprintf("replicas %d/%d", answering, answering+len(m.missing))
	if len(m.missing) > 0 {
		reps = m.styles.warn.Render(reps + " (missing " + strings.Join(m.missing, ", ") + ")")
	}
	sessions := "sessions " + strconv.Itoa(m.total)
	if len(m.view) != len(m.rows) {
		sessions += fmt.Sprintf(" (%d shown)", len(m.view))
	}
	parts := []string{reps, sessions, fmt.Sprintf("%.1f conn/s", m.connRate), fmt.Sprintf("%.1f disc/s", m.discRate), "updated " + m.updated.Format(clock)}
	return strings.Join(parts, " · ")
}

func (m *model) tableLines() []string {
	// A gutter marks the selected row where reverse video does not show
	// (NO_COLOR, a screen capture).
	w := widths(m.cols, m.width-2)
	lines := []string{"  " + m.styles.header.Render(renderHeader(m.cols, w, m.sortCol, m.sortDesc))}
	rows := m.tableRows()
	now := m.opts.Now()
	// Only the visible rows are drawn: 10,000 sessions cost a screenful.
	end := min(len(m.view), m.offset+rows)
	for i := m.offset; i < end; i++ {
		line := "  " + renderRow(m.cols, w, m.view[i], now)
		if i == m.cursor {
			line = "› " + m.styles.selected.Render(renderRow(m.cols, w, m.view[i], now))
		}
		lines = append(lines, line)
	}
	if m.gathered && len(m.view) == 0 {
		if m.filter != "" {
			lines = append(lines, m.styles.faint.Render("  no session matches the filter"))
		} else {
			lines = append(lines, m.styles.faint.Render("  no live sessions"))
		}
	}
	for len(lines) < rows+1 {
		lines = append(lines, "")
	}
	if m.height >= 16 {
		lines = append(lines, m.styles.faint.Render("─ events "+strings.Repeat("─", max(0, m.width-9))))
		start := max(0, len(m.log)-logLines)
		for _, e := range m.log[start:] {
			line := m.styles.faint.Render(e.at.Format(clock)) + " " + e.text
			if e.bad {
				line = m.styles.faint.Render(e.at.Format(clock)) + " " + m.styles.bad.Render(e.text)
			}
			lines = append(lines, line)
		}
	}
	return lines
}

func (m *model) detailLines() []string {
	r := m.current()
	if r == nil {
		return nil
	}
	s, now := r.s, m.opts.Now()
	lines := []string{"", m.styles.title.Render("session " + r.key), ""}
	field := func(label, value string) {
		lines = append(lines, m.styles.label.Render(label)+value)
	}
	field("replica", s.Replica)
	field("client id", s.ClientID)
	field("remote", s.Remote)
	field("transport", s.Transport)
	field("tenant", output.OrDash(s.Tenant))
	ident := "anonymous"
	if id := s.Identity; id != nil {
		ident = id.Kind + " " + id.Subject
		if id.CredentialsID != "" {
			ident += " (credentials " + id.CredentialsID + ")"
		}
	}
	field("identity", ident)
	field("connected", s.ConnectedAt.Local().Format(clock)+" ("+output.Age(now.Sub(s.ConnectedAt))+" ago)")
	field("last activity", s.LastActivity.Local().Format(clock)+" ("+output.Age(now.Sub(s.LastActivity))+" ago)")
	field("messages", fmt.Sprintf("in %d · out %d", s.MsgsIn, s.MsgsOut))
	field("bytes", fmt.Sprintf("in %s · out %s", output.Bytes(s.BytesIn), output.Bytes(s.BytesOut)))
	field("endpoints", strconv.Itoa(len(s.Endpoints)))
	room := m.height - 2 - 1 - len(lines)
	for i, ep := range s.Endpoints {
		if i == room-1 && len(s.Endpoints) > room {
			lines = append(lines, m.styles.faint.Render(fmt.Sprintf("  … %d more", len(s.Endpoints)-i)))
			break
		}
		lines = append(lines, "  "+ep.EndpointID+"  "+ep.AppName+"  "+ep.AppVersion)
	}
	return lines
}

func (m *model) helpLines() []string {
	lines := []string{"", m.styles.title.Render("keys"), ""}
	for _, k := range helpKeys() {
		lines = append(lines, "  "+m.styles.key.Render(k[0])+k[1])
	}
	return append(lines, "",
		"  The table is gathered from every KPC replica every "+m.opts.Interval.String()+" and on each",
		"  9/ELCE event; a replica seen recently that does not answer shows as missing.")
}

func (m *model) footer() string {
	switch m.state {
	case stateFilter:
		return "/" + m.filter + "▏  " + m.styles.help.Render(footerFilter)
	case stateConfirm:
		return m.styles.warn.Render("kick "+m.target.key+"?") + "  " + m.styles.help.Render(footerConfirm)
	case stateDetail:
		return m.styles.help.Render(footerDetail)
	case stateHelp:
		return m.styles.help.Render(footerHelp)
	}
	if m.lastErr != "" && m.gathered {
		return m.styles.bad.Render(m.lastErr)
	}
	return m.styles.help.Render(footerTable)
}
