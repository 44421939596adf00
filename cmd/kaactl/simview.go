package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/term"

	"github.com/kaactl/kaactl/pkg/sim"
)

// simView shows a running simulation: a live dashboard on a terminal, a
// progress line otherwise. Update is called from the engine's goroutine; Close
// once the run has ended, before the report is printed.
type simView interface {
	Update(sim.Snapshot)
	Close()
}

// newSimView returns the dashboard when tty is true, else the progress line.
// In the dashboard q or ctrl+c calls cancel, since the terminal is in raw mode
// and ctrl+c no longer raises SIGINT.
func newSimView(w io.Writer, tty bool, cancel context.CancelFunc) simView {
	if !tty {
		return newSimPlainView(w)
	}
	return startSimDashboard(w, cancel)
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool { return f != nil && term.IsTerminal(f.Fd()) }

// simRates are per-second rates from the difference of two snapshots.
type simRates struct {
	Connects    float64 // successful connections
	Requests    float64 // finished requests, OK or failed (like the report's throughput)
	UploadBytes float64
	CPU         float64 // the simulator's CPU as a share of one core: 1 is one core busy
}

func simRatesBetween(prev, cur sim.Snapshot) simRates {
	dt := (cur.Elapsed - prev.Elapsed).Seconds()
	if dt <= 0 {
		return simRates{}
	}
	per := func(d float64) float64 { return max(d, 0) / dt }
	return simRates{
		Connects:    per(float64(cur.Connects - prev.Connects)),
		Requests:    per(float64(cur.Finished - prev.Finished)),
		UploadBytes: per(float64(cur.UploadBytes - prev.UploadBytes)),
		CPU:         per((cur.CPU - prev.CPU).Seconds()),
	}
}

// simRateWindow smooths rates over about span: it measures from the newest
// snapshot at least span old (or the start of the run) to the latest.
type simRateWindow struct {
	span  time.Duration
	snaps []sim.Snapshot
}

func (w *simRateWindow) add(s sim.Snapshot) simRates {
	if n := len(w.snaps); n > 0 && s.Elapsed < w.snaps[n-1].Elapsed {
		w.snaps = w.snaps[:0] // time went back: a new run
	}
	if len(w.snaps) == 0 {
		w.snaps = append(w.snaps, sim.Snapshot{}) // the start, every counter zero
	}
	w.snaps = append(w.snaps, s)
	for len(w.snaps) > 2 && s.Elapsed-w.snaps[1].Elapsed >= w.span {
		w.snaps = w.snaps[1:]
	}
	return simRatesBetween(w.snaps[0], s)
}

type simErrorKind struct {
	Kind string
	N    int64
}

// simTopErrorKinds returns the n most frequent kinds (ties by name) and how
// many kinds were left out.
func simTopErrorKinds(m map[string]int64, n int) (top []simErrorKind, rest int) {
	for k, c := range m {
		top = append(top, simErrorKind{k, c})
	}
	slices.SortFunc(top, func(a, b simErrorKind) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Kind, b.Kind))
	})
	if len(top) > n {
		return top[:n], len(top) - n
	}
	return top, 0
}

func fmtSimLatency(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms >= 1000:
		return fmt.Sprintf("%.2f s", ms/1000)
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.2f ms", ms)
}

// simDashboardState is everything the dashboard shows.
type simDashboardState struct {
	Snap     sim.Snapshot
	Rates    simRates
	Cores    int  // cores the simulator may use (GOMAXPROCS)
	Stopping bool // the user asked to stop; the engine drains
	Closed   bool // the run is over: the last frame has no key help
}

type simDashboardStyles struct {
	plain, title, label, help, ok, bad, warn lipgloss.Style
}

// newSimDashboardStyles uses the terminal's own palette (ANSI colours 1-3)
// rather than colours chosen for a light or dark background: picking those
// would mean asking the terminal for its background and waiting for the reply.
// The program's renderer lowers the colours to what the dashboard's output
// supports, or drops them.
func newSimDashboardStyles() simDashboardStyles {
	return simDashboardStyles{
		plain: lipgloss.NewStyle(),
		title: lipgloss.NewStyle().Bold(true),
		label: lipgloss.NewStyle().Faint(true).Width(11),
		help:  lipgloss.NewStyle().Faint(true),
		ok:    lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
		bad:   lipgloss.NewStyle().Foreground(lipgloss.Color("1")),
		warn:  lipgloss.NewStyle().Foreground(lipgloss.Color("3")).Bold(true),
	}
}

// simBusyShare is the CPU share of its cores above which the simulator
// itself is likely the bottleneck.
const simBusyShare = 0.8

// renderSimDashboard draws the dashboard; lines are cut at width if it is
// positive.
func renderSimDashboard(st simDashboardState, width int, sty simDashboardStyles) string {
	s, r := st.Snap, st.Rates
	phase := cmp.Or(s.Phase, "starting")
	if st.Stopping && s.Phase != "done" {
		phase = "stopping"
	}
	lines := []string{sty.title.Render("kaactl sim") + fmt.Sprintf("  %s  %.1fs", phase, s.Elapsed.Seconds())}
	line := func(label, format string, a ...any) {
		lines = append(lines, sty.label.Render(label)+fmt.Sprintf(format, a...))
	}
	line("endpoints", "%d/%d connected · %d connects · %s · %.1f conn/s",
		s.Connected, s.Endpoints, s.Connects, countStyle(sty, s.ConnectFailures).Render(fmt.Sprintf("%d failed", s.ConnectFailures)), r.Connects)
	line("requests", "%d sent · %s · %s · %.1f req/s",
		s.Sent, sty.ok.Render(fmt.Sprintf("%d ok", s.OK)), countStyle(sty, s.Errors).Render(fmt.Sprintf("%d errors", s.Errors)), r.Requests)
	line("latency", "p50 %s · p90 %s · p99 %s", fmtSimLatency(s.LatencyP50), fmtSimLatency(s.LatencyP90), fmtSimLatency(s.LatencyP99))
	top, rest := simTopErrorKinds(s.ErrorsByKind, 4)
	kinds := make([]string, 0, len(top)+1)
	for _, k := range top {
		kinds = append(kinds, fmt.Sprintf("%s %d", k.Kind, k.N))
	}
	if rest > 0 {
		kinds = append(kinds, fmt.Sprintf("+%d more", rest))
	}
	if len(kinds) == 0 {
		kinds = append(kinds, "none")
	}
	line("errors", "%s", strings.Join(kinds, " · "))
	if s.Uploads > 0 || s.UploadBytes > 0 {
		line("uploads", "%d · %.1f MB · %.2f MB/s", s.Uploads, float64(s.UploadBytes)/1e6, r.UploadBytes/1e6)
	}
	cpu := fmt.Sprintf("%.0f%% of one core", r.CPU*100)
	if st.Cores > 0 {
		cpu += fmt.Sprintf(" (%d usable)", st.Cores)
		if r.CPU >= simBusyShare*float64(st.Cores) {
			cpu += " " + sty.warn.Render("· simulator busy: it may be the bottleneck")
		}
	}
	line("sim cpu", "%s", cpu)
	switch {
	case st.Closed: // the last frame stays on screen: no key help
	case st.Stopping:
		lines = append(lines, sty.help.Render("stopping: waiting for replies · ctrl+c again leaves the dashboard"))
	default:
		lines = append(lines, sty.help.Render("q or ctrl+c stops the run"))
	}
	view := strings.Join(lines, "\n")
	if width > 0 {
		return sty.plain.MaxWidth(width).Render(view)
	}
	return view
}

func countStyle(sty simDashboardStyles, n int64) lipgloss.Style {
	if n > 0 {
		return sty.bad
	}
	return sty.plain
}

type simSnapshotMsg sim.Snapshot

// simCloseMsg ends the dashboard after the run, keeping its last frame.
type simCloseMsg struct{}

type simDashboardModel struct {
	state  simDashboardState
	window simRateWindow
	width  int
	styles simDashboardStyles
	cancel context.CancelFunc
}

func (m simDashboardModel) Init() tea.Cmd { return nil }

func (m simDashboardModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if k := msg.String(); k != "ctrl+c" && k != "q" {
			return m, nil
		}
		if m.state.Stopping {
			// A second press leaves the dashboard, so a slow drain never
			// holds the terminal; progress goes on as a plain line.
			m.state.Closed = true
			return m, tea.Quit
		}
		m.state.Stopping = true
		m.cancel()
	case tea.WindowSizeMsg:
		m.width = msg.Width
	case simSnapshotMsg:
		m.state.Snap = sim.Snapshot(msg)
		m.state.Rates = m.window.add(m.state.Snap)
	case simCloseMsg:
		m.state.Closed = true
		return m, tea.Quit
	}
	return m, nil
}

// View ends in a newline: on exit the renderer erases from the frame's last
// line down, which is then the empty one, and the last frame stays on screen.
// The view is inline (no alt screen) and waits for no reply from the terminal.
func (m simDashboardModel) View() tea.View {
	return tea.NewView(renderSimDashboard(m.state, m.width, m.styles) + "\n")
}

// simDashboardView runs the bubbletea program. Once the program has ended
// (the user left it, or it could not start) updates go to a progress line.
type simDashboardView struct {
	prog      *tea.Program
	done      chan struct{}
	fallback  *simPlainView
	fellBack  atomic.Bool
	closeOnce sync.Once
}

// startSimDashboard starts the program inline on w without bubbletea's
// signal handler: SIGINT stays with the command's context. opts (tests)
// come last and may replace the input.
func startSimDashboard(w io.Writer, cancel context.CancelFunc, opts ...tea.ProgramOption) *simDashboardView {
	if cancel == nil {
		cancel = func() {}
	}
	m := simDashboardModel{
		state:  simDashboardState{Cores: runtime.GOMAXPROCS(0)},
		window: simRateWindow{span: time.Second},
		styles: newSimDashboardStyles(),
		cancel: cancel,
	}
	opts = append([]tea.ProgramOption{tea.WithOutput(w), tea.WithoutSignalHandler()}, opts...)
	v := &simDashboardView{prog: tea.NewProgram(m, opts...), done: make(chan struct{}), fallback: newSimPlainView(w)}
	go func() {
		defer close(v.done)
		_, _ = v.prog.Run() // the terminal is restored either way
	}()
	return v
}

func (v *simDashboardView) Update(s sim.Snapshot) {
	select {
	case <-v.done:
		v.fellBack.Store(true)
		v.fallback.Update(s)
	default:
		v.prog.Send(simSnapshotMsg(s)) // a no-op if the program ends meanwhile
	}
}

// Close ends the program and waits until the terminal is restored.
func (v *simDashboardView) Close() {
	v.closeOnce.Do(func() {
		v.prog.Send(simCloseMsg{})
		<-v.done
		if v.fellBack.Load() {
			v.fallback.Close()
		}
	})
}

// simPlainView rewrites one progress line at most once a second of the run's
// clock, and always for the final snapshot.
type simPlainView struct {
	w       io.Writer
	window  simRateWindow
	printed bool
	last    time.Duration // Elapsed of the line shown
	width   int           // of the line shown, to blank its tail
	closed  bool
}

// simTermCols is the width of w if it is a terminal, else 0. A line that
// wraps could not be rewritten with \r.
func simTermCols(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !isTerminal(f) {
		return 0
	}
	cols, _, err := term.GetSize(f.Fd())
	if err != nil {
		return 0
	}
	return cols
}

func newSimPlainView(w io.Writer) *simPlainView {
	return &simPlainView{w: w, window: simRateWindow{span: time.Second}}
}

func simPlainLine(s sim.Snapshot, r simRates) string {
	line := fmt.Sprintf("%6.1fs  connected %d  sent %d  ok %d  errors %d  %.1f req/s ",
		s.Elapsed.Seconds(), s.Connected, s.Sent, s.OK, s.Errors, r.Requests)
	if s.Uploads > 0 {
		line += fmt.Sprintf(" uploads %d  %.2f MB/s ", s.Uploads, r.UploadBytes/1e6)
	}
	return line
}

func (v *simPlainView) Update(s sim.Snapshot) {
	r := v.window.add(s)
	if v.printed && s.Elapsed-v.last < time.Second && s.Phase != "done" {
		return
	}
	line := simPlainLine(s, r)
	if cols := simTermCols(v.w); cols > 1 && len(line) >= cols {
		line = line[:cols-1] // ASCII only
	}
	pad := max(v.width-len(line), 0)
	fmt.Fprintf(v.w, "\r%s%s", line, strings.Repeat(" ", pad))
	v.printed, v.last, v.width = true, s.Elapsed, len(line)
}

func (v *simPlainView) Close() {
	if !v.closed {
		v.closed = true
		fmt.Fprintln(v.w)
	}
}
