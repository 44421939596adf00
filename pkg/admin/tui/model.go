package tui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/api"
)

// state is what the view shows and what keys do.
type state int

const (
	stateTable state = iota
	stateFilter
	stateDetail
	stateConfirm
	stateHelp
)

// Messages of the view's commands.
type (
	gatheredMsg struct {
		g   *admin.Gathered
		err error
	}
	tickMsg   struct{}
	kickedMsg struct {
		entry    int    // the event log entry of the kick
		key      string // the kicked session
		replicas []string
		err      error
	}
	eventMsg struct{ ev admin.ConnectivityEvent }
)

// rateWindow is the span connects/s and disconnects/s average over.
const rateWindow = 10 * time.Second

// maxLog is how many event log entries are kept.
const maxLog = 200

type logEntry struct {
	id   int
	at   time.Time
	text string
	bad  bool
}

type model struct {
	ctx    context.Context
	opts   Options
	cols   []column
	styles styles

	state         state
	width, height int

	rows     []row  // the last gather
	view     []*row // filtered and sorted
	selected string // key of the selected row, kept across gathers
	cursor   int
	offset   int
	sortCol  int
	sortDesc bool
	filter   string

	gathered  bool
	gathering bool
	replicas  []string
	missing   []string
	total     int
	updated   time.Time
	lastErr   string

	log         []logEntry
	logID       int
	connects    []time.Time // session appearances within rateWindow
	disconnects []time.Time
	connRate    float64 // per second, over rateWindow
	discRate    float64
	kicked      map[string]bool // keys kicked from here, not logged again as gone

	target *row // the session to kick while confirming
}

func newModel(ctx context.Context, o Options) *model {
	return &model{ctx: ctx, opts: o, cols: columns(), styles: newStyles(), width: 80, height: 24, sortCol: 1, kicked: map[string]bool{}}
}

func (m *model) Init() tea.Cmd {
	m.gathering = true
	return tea.Batch(m.gather(), m.waitEvent())
}

// gather lists the sessions of every replica.
func (m *model) gather() tea.Cmd {
	ctx, src := m.ctx, m.opts.Source
	return func() tea.Msg {
		g, err := src.List(ctx, api.SessionFilter{}, 0)
		return gatheredMsg{g: g, err: err}
	}
}

func (m *model) tick() tea.Cmd {
	return tea.Tick(m.opts.Interval, func(time.Time) tea.Msg { return tickMsg{} })
}

func (m *model) waitEvent() tea.Cmd {
	ch := m.opts.Events
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return nil
		}
		return eventMsg{ev}
	}
}

func (m *model) kick(entry int, r *row) tea.Cmd {
	ctx, src, reason := m.ctx, m.opts.Source, m.opts.KickReason
	replica, client := r.s.Replica, r.s.ClientID
	return func() tea.Msg {
		replicas, err := src.Kick(ctx, replica, client, reason)
		return kickedMsg{entry: entry, key: replica + "/" + client, replicas: replicas, err: err}
	}
}

// refresh gathers now unless a gather is under way.
func (m *model) refresh() tea.Cmd {
	if m.gathering {
		return nil
	}
	m.gathering = true
	return m.gather()
}

// addLog appends an event log entry and returns its id.
func (m *model) addLog(text string, bad bool) int {
	m.logID++
	m.log = append(m.log, logEntry{id: m.logID, at: m.opts.Now(), text: text, bad: bad})
	if len(m.log) > maxLog {
		m.log = slices.Delete(m.log, 0, len(m.log)-maxLog)
	}
	return m.logID
}

// logDiff logs sessions that came or went: each by name, or a count when
// there are many.
func (m *model) logDiff(keys []string, verb string) {
	if len(keys) > 3 {
		m.addLog(fmt.Sprintf("%d sessions %s", len(keys), verb), false)
		return
	}
	for _, k := range keys {
		m.addLog("session "+k+" "+verb, false)
	}
}

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.clampCursor()
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case gatheredMsg:
		m.gathering = false
		m.onGathered(msg)
		return m, m.tick()
	case tickMsg:
		return m, m.refresh()
	case kickedMsg:
		m.onKicked(msg)
		return m, m.refresh()
	case eventMsg:
		m.onEvent(msg.ev)
		return m, tea.Batch(m.waitEvent(), m.refresh())
	}
	return m, nil
}

func (m *model) onKey(k tea.KeyPressMsg) tea.Cmd {
	key := k.String()
	if key == keyCtrlC {
		return tea.Quit
	}
	switch m.state {
	case stateFilter:
		switch key {
		case keyEnter:
			m.state = stateTable
		case keyEsc:
			m.filter, m.state = "", stateTable
			m.apply()
		case keyBack:
			if r := []rune(m.filter); len(r) > 0 {
				m.filter = string(r[:len(r)-1])
				m.apply()
			}
		default:
			if k.Text != "" {
				m.filter += k.Text
				m.apply()
			}
		}
		return nil
	case stateConfirm:
		t := m.target
		m.state, m.target = stateTable, nil
		if key != keyYes || t == nil {
			return nil
		}
		m.kicked[t.key] = true
		return m.kick(m.addLog("kick "+t.key+": kicking", false), t)
	case stateHelp, stateDetail:
		switch key {
		case keyEsc, keyEnter, keyHelp:
			m.state = stateTable
			return nil
		case keyQuit:
			return tea.Quit
		case keyKick:
			if m.state == stateDetail {
				return m.confirmKick()
			}
		}
		return nil
	}
	switch key {
	case keyQuit:
		return tea.Quit
	case keyHelp:
		m.state = stateHelp
	case keyFilter:
		m.state = stateFilter
	case keyEnter:
		if m.current() != nil {
			m.state = stateDetail
		}
	case keyKick:
		return m.confirmKick()
	case keyRefresh:
		return m.refresh()
	case keySort:
		m.sortCol = (m.sortCol + 1) % len(m.cols)
		m.apply()
	case keyReverse:
		m.sortDesc = !m.sortDesc
		m.apply()
	case keyEsc:
		if m.filter != "" {
			m.filter = ""
			m.apply()
		}
	case keyUp:
		m.move(-1)
	case keyDown, keyJ:
		m.move(1)
	case keyPgUp:
		m.move(-m.tableRows())
	case keyPgDown:
		m.move(m.tableRows())
	case keyHome:
		m.move(-len(m.view))
	case keyEnd:
		m.move(len(m.view))
	}
	return nil
}

func (m *model) confirmKick() tea.Cmd {
	if r := m.current(); r != nil {
		m.state, m.target = stateConfirm, r
	}
	return nil
}

// onGathered replaces the rows, counting sessions that came and went.
func (m *model) onGathered(msg gatheredMsg) {
	if msg.err != nil {
		m.lastErr = msg.err.Error()
		return
	}
	now := m.opts.Now()
	m.lastErr, m.updated = "", now
	g := msg.g
	old := make(map[string]bool, len(m.rows))
	for i := range m.rows {
		old[m.rows[i].key] = true
	}
	rows := make([]row, len(g.Sessions))
	var came, gone []string
	for i, s := range g.Sessions {
		rows[i] = newRow(s)
		if m.gathered && !old[rows[i].key] {
			m.connects = append(m.connects, now)
			came = append(came, rows[i].key)
		}
		delete(old, rows[i].key)
	}
	if m.gathered {
		for _, key := range slices.Sorted(maps.Keys(old)) {
			m.disconnects = append(m.disconnects, now)
			if m.kicked[key] {
				delete(m.kicked, key) // the kick's own log entry says it
				continue
			}
			gone = append(gone, key)
		}
	}
	slices.Sort(came)
	m.logDiff(came, "connected")
	m.logDiff(gone, "disconnected")
	if !slices.Equal(m.missing, g.Missing) && len(g.Missing) > 0 {
		m.addLog("replica "+strings.Join(g.Missing, ", ")+" did not answer", true)
	}
	m.rows, m.replicas, m.missing, m.total, m.gathered = rows, g.Replicas, g.Missing, g.Total, true
	m.connRate, m.discRate = rate(&m.connects, now), rate(&m.disconnects, now)
	m.apply()
}

func (m *model) onKicked(msg kickedMsg) {
	i := slices.IndexFunc(m.log, func(e logEntry) bool { return e.id == msg.entry })
	if i < 0 {
		return
	}
	e := &m.log[i]
	if msg.err != nil {
		e.text, e.bad = "kick "+msg.key+" failed: "+msg.err.Error(), true
		delete(m.kicked, msg.key)
		return
	}
	e.text = "kick " + msg.key + ": kicked"
}

func (m *model) onEvent(ev admin.ConnectivityEvent) {
	ids := slices.Sorted(maps.Keys(ev.Endpoints))
	what := "endpoint"
	if len(ids) > 1 {
		what = "endpoints"
	}
	verb := map[string]string{"connected": "connected to", "disconnected": "disconnected from"}[ev.Type]
	if verb == "" {
		verb = ev.Type + " on"
	}
	m.addLog(fmt.Sprintf("%s %s %s %s", what, strings.Join(ids, ", "), verb, ev.Replica), false)
}

// apply filters and sorts the rows and keeps the selection on its session.
func (m *model) apply() {
	m.view = filterRows(m.rows, m.filter)
	sortRows(m.view, m.cols, m.sortCol, m.sortDesc)
	m.cursor = 0
	for i, r := range m.view {
		if r.key == m.selected {
			m.cursor = i
			break
		}
	}
	m.clampCursor()
}

func (m *model) move(d int) {
	m.cursor += d
	m.clampCursor()
}

// clampCursor keeps the cursor on a row and the row on screen.
func (m *model) clampCursor() {
	m.cursor = max(0, min(m.cursor, len(m.view)-1))
	if len(m.view) == 0 {
		m.selected = ""
		m.offset = 0
		return
	}
	m.selected = m.view[m.cursor].key
	rows := m.tableRows()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+rows {
		m.offset = m.cursor - rows + 1
	}
	m.offset = max(0, min(m.offset, len(m.view)-rows))
}

func (m *model) current() *row {
	if m.cursor < 0 || m.cursor >= len(m.view) {
		return nil
	}
	return m.view[m.cursor]
}

// rate is the events per second within rateWindow, dropping older ones.
func rate(ts *[]time.Time, now time.Time) float64 {
	i := 0
	for i < len(*ts) && now.Sub((*ts)[i]) > rateWindow {
		i++
	}
	*ts = (*ts)[i:]
	return float64(len(*ts)) / rateWindow.Seconds()
}
