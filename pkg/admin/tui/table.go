package tui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/api"
)

// row is a session with what the table needs precomputed once per gather,
// so that filtering and sorting 10,000 of them on a key press stays cheap.
type row struct {
	s      api.Session
	key    string // replica + "/" + client ID: a session's identity
	search string // lower-case text the filter matches
}

func newRow(s api.Session) row {
	var b strings.Builder
	for _, f := range []string{s.Replica, s.ClientID, s.Remote, s.Transport, s.Tenant} {
		b.WriteString(strings.ToLower(f))
		b.WriteByte(' ')
	}
	for _, ep := range s.Endpoints {
		b.WriteString(strings.ToLower(ep.EndpointID + " " + ep.AppName + " " + ep.AppVersion + " "))
	}
	if s.Identity != nil {
		b.WriteString(strings.ToLower(s.Identity.Subject + " " + s.Identity.Kind))
	}
	return row{s: s, key: s.Replica + "/" + s.ClientID, search: b.String()}
}

// column is one column of the table.
type column struct {
	title string
	width int  // at 80 columns; the client ID column takes what is left
	right bool // numbers
	cell  func(r *row, now time.Time) string
	less  func(a, b *row) int
}

func columns() []column {
	return []column{
		{title: "REPLICA", width: 8, cell: func(r *row, _ time.Time) string { return r.s.Replica },
			less: func(a, b *row) int { return cmp.Compare(a.s.Replica, b.s.Replica) }},
		{title: "CLIENT ID", width: 0, cell: func(r *row, _ time.Time) string { return r.s.ClientID },
			less: func(a, b *row) int { return cmp.Compare(a.s.ClientID, b.s.ClientID) }},
		{title: "TRANS", width: 5, cell: func(r *row, _ time.Time) string { return r.s.Transport },
			less: func(a, b *row) int { return cmp.Compare(a.s.Transport, b.s.Transport) }},
		{title: "REMOTE", width: 17, cell: func(r *row, _ time.Time) string { return r.s.Remote },
			less: func(a, b *row) int { return cmp.Compare(a.s.Remote, b.s.Remote) }},
		{title: "EPS", width: 3, right: true, cell: func(r *row, _ time.Time) string { return strconv.Itoa(len(r.s.Endpoints)) },
			less: func(a, b *row) int { return cmp.Compare(len(a.s.Endpoints), len(b.s.Endpoints)) }},
		{title: "IN", width: 4, right: true, cell: func(r *row, _ time.Time) string { return count(r.s.MsgsIn) },
			less: func(a, b *row) int { return cmp.Compare(a.s.MsgsIn, b.s.MsgsIn) }},
		{title: "OUT", width: 4, right: true, cell: func(r *row, _ time.Time) string { return count(r.s.MsgsOut) },
			less: func(a, b *row) int { return cmp.Compare(a.s.MsgsOut, b.s.MsgsOut) }},
		{title: "AGE", width: 4, right: true, cell: func(r *row, now time.Time) string { return output.Age(now.Sub(r.s.ConnectedAt)) },
			less: func(a, b *row) int { return b.s.ConnectedAt.Compare(a.s.ConnectedAt) }},
		{title: "IDLE", width: 4, right: true, cell: func(r *row, now time.Time) string { return output.Age(now.Sub(r.s.LastActivity)) },
			less: func(a, b *row) int { return b.s.LastActivity.Compare(a.s.LastActivity) }},
	}
}

// sortRows orders rows by column col (ties by key, so the order is stable
// across gathers).
func sortRows(rows []*row, cols []column, col int, desc bool) {
	less := cols[col].less
	slices.SortFunc(rows, func(a, b *row) int {
		c := less(a, b)
		if desc {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(a.key, b.key))
	})
}

// filterRows keeps the rows whose text contains every word of filter.
func filterRows(all []row, filter string) []*row {
	words := strings.Fields(strings.ToLower(filter))
	out := make([]*row, 0, len(all))
next:
	for i := range all {
		for _, w := range words {
			if !strings.Contains(all[i].search, w) {
				continue next
			}
		}
		out = append(out, &all[i])
	}
	return out
}

// widths fits the columns to the terminal width: the client ID column gets
// what the others leave (at least 9).
func widths(cols []column, width int) []int {
	w := make([]int, len(cols))
	fixed := 0
	for i, c := range cols {
		w[i] = c.width
		fixed += c.width + 1
	}
	w[1] = max(9, width-fixed)
	return w
}

// renderHeader is the column titles, the sorted one marked.
func renderHeader(cols []column, w []int, sortCol int, desc bool) string {
	cells := make([]string, len(cols))
	for i, c := range cols {
		t := c.title
		if i == sortCol {
			t += map[bool]string{false: "↑", true: "↓"}[desc]
		}
		cells[i] = pad(t, w[i], c.right)
	}
	return strings.Join(cells, " ")
}

// renderRow is one session's line.
func renderRow(cols []column, w []int, r *row, now time.Time) string {
	cells := make([]string, len(cols))
	for i, c := range cols {
		cells[i] = pad(c.cell(r, now), w[i], c.right)
	}
	return strings.Join(cells, " ")
}

// pad fits s into width cells: cut with an ellipsis, or padded.
func pad(s string, width int, right bool) string {
	if lipgloss.Width(s) > width {
		return ansi.Truncate(s, width, "…")
	}
	fill := strings.Repeat(" ", width-lipgloss.Width(s))
	if right {
		return fill + s
	}
	return s + fill
}

// count is a message count in at most 4 cells (up to 9999M).
func count(n int64) string {
	switch {
	case n < 10_000:
		return strconv.FormatInt(n, 10)
	case n < 1_000_000:
		return strconv.FormatInt(n/1000, 10) + "k"
	default:
		return strconv.FormatInt(n/1_000_000, 10) + "M"
	}
}
