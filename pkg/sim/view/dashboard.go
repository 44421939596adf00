package view

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kaactl/kaactl/pkg/sim"
)

// screen is everything the dashboard shows.
type screen struct {
	Snap     sim.Snapshot
	Rates    rates
	Cores    int  // cores the simulator may use (GOMAXPROCS)
	Stopping bool // the user asked to stop; the engine drains
	Closed   bool // the run is over: the last frame has no key help
}

// busyShare is the CPU share of its cores above which the simulator itself
// is likely the bottleneck.
const busyShare = 0.8

// render draws the dashboard; lines are cut at width if it is positive.
func render(sc screen, width int, sty styles) string {
	s, r := sc.Snap, sc.Rates
	phase := cmp.Or(s.Phase, "starting")
	if sc.Stopping && s.Phase != "done" {
		phase = "stopping"
	}
	lines := []string{sty.title.Render("kaactl sim") + fmt.Sprintf("  %s  %.1fs", phase, s.Elapsed.Seconds())}
	line := func(label, format string, a ...any) {
		lines = append(lines, sty.label.Render(label)+fmt.Sprintf(format, a...))
	}
	line("endpoints", "%d/%d connected · %d connects · %s · %.1f conn/s",
		s.Connected, s.Endpoints, s.Connects, sty.count(s.ConnectFailures).Render(fmt.Sprintf("%d failed", s.ConnectFailures)), r.Connects)
	line("requests", "%d sent · %s · %s · %.1f req/s",
		s.Sent, sty.ok.Render(fmt.Sprintf("%d ok", s.OK)), sty.count(s.Errors).Render(fmt.Sprintf("%d errors", s.Errors)), r.Requests)
	line("latency", "p50 %s · p90 %s · p99 %s", formatLatency(s.LatencyP50), formatLatency(s.LatencyP90), formatLatency(s.LatencyP99))
	top, rest := topErrorKinds(s.ErrorsByKind, 4)
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
	if sc.Cores > 0 {
		cpu += fmt.Sprintf(" (%d usable)", sc.Cores)
		if r.CPU >= busyShare*float64(sc.Cores) {
			cpu += " " + sty.warn.Render("· simulator busy: it may be the bottleneck")
		}
	}
	line("sim cpu", "%s", cpu)
	switch {
	case sc.Closed: // the last frame stays on screen: no key help
	case sc.Stopping:
		lines = append(lines, sty.help.Render(helpStopping))
	default:
		lines = append(lines, sty.help.Render(helpRunning))
	}
	view := strings.Join(lines, "\n")
	if width > 0 {
		return sty.plain.MaxWidth(width).Render(view)
	}
	return view
}

type snapshotMsg sim.Snapshot

// closeMsg ends the dashboard after the run, keeping its last frame.
type closeMsg struct{}

type model struct {
	screen screen
	window rateWindow
	width  int
	styles styles
	cancel context.CancelFunc
}

func (m model) Init() tea.Cmd { return nil }

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if !isStopKey(msg) {
			return m, nil
		}
		if m.screen.Stopping {
			// A second press leaves the dashboard, so a slow drain never
			// holds the terminal; progress goes on as a plain line.
			m.screen.Closed = true
			return m, tea.Quit
		}
		m.screen.Stopping = true
		m.cancel()
	case tea.WindowSizeMsg:
		m.width = msg.Width
	case snapshotMsg:
		m.screen.Snap = sim.Snapshot(msg)
		m.screen.Rates = m.window.add(m.screen.Snap)
	case closeMsg:
		m.screen.Closed = true
		return m, tea.Quit
	}
	return m, nil
}

// View ends in a newline: on exit the renderer erases from the frame's last
// line down, which is then the empty one, and the last frame stays on screen.
// The view is inline (no alt screen) and waits for no reply from the terminal.
func (m model) View() tea.View {
	return tea.NewView(render(m.screen, m.width, m.styles) + "\n")
}

// dashboard runs the bubbletea program. Once the program has ended (the
// user left it, or it could not start) updates go to a progress line.
type dashboard struct {
	prog      *tea.Program
	done      chan struct{}
	fallback  *progressLine
	fellBack  atomic.Bool
	closeOnce sync.Once
}

// startDashboard starts the program inline on w without bubbletea's signal
// handler: SIGINT stays with the command's context. opts (tests) come last
// and may replace the input.
func startDashboard(w io.Writer, cancel context.CancelFunc, opts ...tea.ProgramOption) *dashboard {
	if cancel == nil {
		cancel = func() {}
	}
	m := model{
		screen: screen{Cores: runtime.GOMAXPROCS(0)},
		window: rateWindow{span: time.Second},
		styles: newStyles(),
		cancel: cancel,
	}
	opts = append([]tea.ProgramOption{tea.WithOutput(w), tea.WithoutSignalHandler()}, opts...)
	d := &dashboard{prog: tea.NewProgram(m, opts...), done: make(chan struct{}), fallback: newProgressLine(w, true)}
	go func() {
		defer close(d.done)
		_, _ = d.prog.Run() // the terminal is restored either way
	}()
	return d
}

func (d *dashboard) Update(s sim.Snapshot) {
	select {
	case <-d.done:
		d.fellBack.Store(true)
		d.fallback.Update(s)
	default:
		d.prog.Send(snapshotMsg(s)) // a no-op if the program ends meanwhile
	}
}

// Close ends the program and waits until the terminal is restored.
func (d *dashboard) Close() {
	d.closeOnce.Do(func() {
		d.prog.Send(closeMsg{})
		<-d.done
		if d.fellBack.Load() {
			d.fallback.Close()
		}
	})
}
