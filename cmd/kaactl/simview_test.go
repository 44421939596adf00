package main

import (
	"bytes"
	"context"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/sim"
)

func TestSimViewRatesBetween(t *testing.T) {
	sec := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	tests := []struct {
		name      string
		prev, cur sim.Snapshot
		want      simRates
	}{
		{"from the start", sim.Snapshot{},
			sim.Snapshot{Elapsed: sec(2), Connects: 100, OK: 380, Errors: 20, UploadBytes: 4e6, CPU: sec(1), Finished: 380 + 20},
			simRates{Connects: 50, Requests: 200, UploadBytes: 2e6, CPU: 0.5}},
		{"between two", sim.Snapshot{Elapsed: sec(1), Connects: 10, OK: 100, Errors: 1, CPU: sec(0.5), Finished: 100 + 1},
			sim.Snapshot{Elapsed: sec(1.5), Connects: 10, OK: 600, Errors: 1, CPU: sec(1.5), Finished: 600 + 1},
			simRates{Requests: 1000, CPU: 2}},
		{"no time passed", sim.Snapshot{Elapsed: sec(1), OK: 5, Finished: 5}, sim.Snapshot{Elapsed: sec(1), OK: 10, Finished: 10}, simRates{}},
		{"time went back", sim.Snapshot{Elapsed: sec(2)}, sim.Snapshot{Elapsed: sec(1), OK: 10, Finished: 10}, simRates{}},
		{"counter went back", sim.Snapshot{OK: 10, Finished: 10}, sim.Snapshot{Elapsed: sec(1), OK: 5, Finished: 5}, simRates{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := simRatesBetween(tt.prev, tt.cur); !simViewRatesNear(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func simViewRatesNear(a, b simRates) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	return near(a.Connects, b.Connects) && near(a.Requests, b.Requests) && near(a.UploadBytes, b.UploadBytes) && near(a.CPU, b.CPU)
}

func TestSimViewRateWindow(t *testing.T) {
	tick := 250 * time.Millisecond
	tests := []struct {
		name string
		ok   []int64 // cumulative OK at each 250ms tick
		want float64 // req/s after the last tick
	}{
		{"first tick measures from the start", []int64{50}, 200},
		{"steady", []int64{100, 200, 300, 400, 500, 600, 700, 800}, 400},
		// A burst of 1000 in one tick is spread over the second it falls in...
		{"burst inside the window", []int64{0, 0, 0, 0, 1000, 1000, 1000}, 1000},
		// ...and forgotten once it is more than a second old.
		{"burst out of the window", []int64{0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000, 1000}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := simRateWindow{span: time.Second}
			var got simRates
			for i, ok := range tt.ok {
				got = w.add(sim.Snapshot{Elapsed: time.Duration(i+1) * tick, OK: ok, Finished: ok})
			}
			if math.Abs(got.Requests-tt.want) > 1e-9 {
				t.Errorf("req/s %v, want %v", got.Requests, tt.want)
			}
			if len(w.snaps) > 6 {
				t.Errorf("window keeps %d snapshots", len(w.snaps))
			}
		})
	}
	t.Run("new run resets", func(t *testing.T) {
		w := simRateWindow{span: time.Second}
		w.add(sim.Snapshot{Elapsed: 5 * time.Second, OK: 5000, Finished: 5000})
		if got := w.add(sim.Snapshot{Elapsed: time.Second, OK: 10, Finished: 10}); got.Requests != 10 {
			t.Errorf("req/s %v after a restart, want 10", got.Requests)
		}
	})
}

func TestSimViewTopErrorKinds(t *testing.T) {
	top, rest := simTopErrorKinds(map[string]int64{"timeout": 5, "status_500": 9, "connect": 5, "disconnected": 1}, 3)
	want := []simErrorKind{{"status_500", 9}, {"connect", 5}, {"timeout", 5}}
	if rest != 1 || len(top) != len(want) {
		t.Fatalf("top %v rest %d", top, rest)
	}
	for i := range want {
		if top[i] != want[i] {
			t.Errorf("top[%d] = %v, want %v", i, top[i], want[i])
		}
	}
	if top, rest := simTopErrorKinds(nil, 3); len(top) != 0 || rest != 0 {
		t.Errorf("nil map: %v %d", top, rest)
	}
}

// simViewRender renders the dashboard without its colours.
func simViewRender(st simDashboardState, width int) string {
	return ansi.Strip(renderSimDashboard(st, width, newSimDashboardStyles()))
}

// simViewFrame is the model's frame without its colours.
func simViewFrame(m tea.Model) string { return ansi.Strip(m.View().Content) }

func TestSimViewRender(t *testing.T) {
	snap := sim.Snapshot{
		Elapsed: 12300 * time.Millisecond, Phase: "running",
		Endpoints: 1000, Connected: 980, Connects: 990, ConnectFailures: 10,
		Sent: 12345, OK: 12000, Errors: 17,
		ErrorsByKind: map[string]int64{"timeout": 9, "status_500": 4, "disconnected": 2, "connect": 1, "upload_503": 1},
		LatencyP50:   1234 * time.Microsecond, LatencyP90: 34500 * time.Microsecond, LatencyP99: 1500 * time.Millisecond,
		Uploads: 12, UploadBytes: 34_500_000,
	}
	rates := simRates{Connects: 45.2, Requests: 1523.4, UploadBytes: 3_400_000, CPU: 0.87}
	tests := []struct {
		name   string
		state  simDashboardState
		want   []string
		absent []string
	}{
		{"running", simDashboardState{Snap: snap, Rates: rates, Cores: 2},
			[]string{"running", "12.3s", "980/1000 connected", "990 connects", "10 failed", "45.2 conn/s",
				"12345 sent", "12000 ok", "17 errors", "1523.4 req/s",
				"p50 1.23 ms", "p90 34.5 ms", "p99 1.50 s",
				"timeout 9 · status_500 4 · disconnected 2 · connect 1 · +1 more",
				"uploads", "12 · 34.5 MB · 3.40 MB/s", "87% of one core (2 usable)", "q or ctrl+c stops"},
			[]string{"bottleneck", "stopping"}},
		{"simulator busy", simDashboardState{Snap: snap, Rates: simRates{CPU: 1.7}, Cores: 2},
			[]string{"170% of one core", "simulator busy: it may be the bottleneck"}, nil},
		{"before the first snapshot", simDashboardState{},
			[]string{"starting", "0/0 connected", "errors     none", "0% of one core"}, []string{"uploads"}},
		{"stopping", simDashboardState{Snap: sim.Snapshot{Phase: "draining"}, Stopping: true},
			[]string{"stopping", "ctrl+c again leaves the dashboard"}, []string{"draining"}},
		{"done after stop", simDashboardState{Snap: sim.Snapshot{Phase: "done"}, Stopping: true},
			[]string{"kaactl sim  done"}, nil},
		{"closed", simDashboardState{Snap: sim.Snapshot{Phase: "done", OK: 3, Finished: 3}, Stopping: true, Closed: true},
			[]string{"3 ok", "sim cpu"}, []string{"ctrl+c", "stopping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := simViewRender(tt.state, 0)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(got, w) {
					t.Errorf("unexpected %q in\n%s", w, got)
				}
			}
		})
	}
	t.Run("cut at width", func(t *testing.T) {
		for _, width := range []int{20, 40, 80} {
			got := simViewRender(simDashboardState{Snap: snap, Rates: rates, Cores: 2}, width)
			for _, l := range strings.Split(got, "\n") {
				if lipgloss.Width(l) > width {
					t.Errorf("width %d: line %q is %d wide", width, l, lipgloss.Width(l))
				}
			}
			if !strings.Contains(got, "980/1000") {
				t.Errorf("width %d lost the endpoint count:\n%s", width, got)
			}
		}
	})
}

func simViewKey(k string) tea.KeyPressMsg {
	if k == "ctrl+c" {
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: rune(k[0]), Text: k}
}

func TestSimViewKeys(t *testing.T) {
	for _, key := range []string{"ctrl+c", "q"} {
		t.Run(key, func(t *testing.T) {
			cancels := 0
			var m tea.Model = simDashboardModel{window: simRateWindow{span: time.Second}, styles: newSimDashboardStyles(), cancel: func() { cancels++ }}

			m, cmd := m.Update(simViewKey("x"))
			if cancels != 0 || cmd != nil {
				t.Fatalf("x: %d cancels, cmd %v", cancels, cmd)
			}
			m, cmd = m.Update(simViewKey(key))
			if cancels != 1 {
				t.Fatalf("first %s: %d cancels, want 1", key, cancels)
			}
			if cmd != nil {
				t.Errorf("first %s quits the dashboard; it should stay to show the drain", key)
			}
			if !strings.Contains(simViewFrame(m), "stopping") {
				t.Errorf("view after %s:\n%s", key, simViewFrame(m))
			}
			// Snapshots still arrive while the engine drains.
			m, _ = m.Update(simSnapshotMsg{Elapsed: time.Second, Phase: "draining", OK: 42})
			if !strings.Contains(simViewFrame(m), "42 ok") {
				t.Errorf("view lacks the drain's snapshot:\n%s", simViewFrame(m))
			}
			m, cmd = m.Update(simViewKey(key))
			if strings.Contains(simViewFrame(m), "ctrl+c") {
				t.Errorf("last frame keeps the key help:\n%s", simViewFrame(m))
			}
			if cancels != 1 {
				t.Errorf("second %s: %d cancels, want 1", key, cancels)
			}
			if cmd == nil {
				t.Fatalf("second %s: no command, want quit", key)
			}
			if _, ok := cmd().(tea.QuitMsg); !ok {
				t.Errorf("second %s: command gives %T, want tea.QuitMsg", key, cmd())
			}
		})
	}
}

func TestSimViewModelMessages(t *testing.T) {
	var m tea.Model = simDashboardModel{window: simRateWindow{span: time.Second}, styles: newSimDashboardStyles(), cancel: func() {}}
	m, _ = m.Update(tea.WindowSizeMsg{Width: 30, Height: 10})
	for i := 1; i <= 4; i++ {
		m, _ = m.Update(simSnapshotMsg{Elapsed: time.Duration(i) * 250 * time.Millisecond, Phase: "running", OK: int64(i) * 100, Finished: int64(i) * 100})
	}
	v := m.View().Content
	if !strings.HasSuffix(v, "\n") {
		t.Errorf("view should end in a newline so the last frame survives the exit:\n%q", v)
	}
	if got := m.(simDashboardModel).state.Rates.Requests; got != 400 {
		t.Errorf("req/s %v, want 400", got)
	}
	for _, l := range strings.Split(v, "\n") {
		if lipgloss.Width(l) > 30 {
			t.Errorf("line %q wider than the window", l)
		}
	}
	m, cmd := m.Update(simCloseMsg{})
	if cmd == nil {
		t.Fatal("close: no quit command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Errorf("close: command gives %T", cmd())
	}
	if strings.Contains(simViewFrame(m), "q or ctrl+c") {
		t.Errorf("last frame keeps the key help:\n%s", simViewFrame(m))
	}
}

func TestSimViewPlain(t *testing.T) {
	var buf bytes.Buffer
	v := newSimView(&buf, false, nil)
	tick := 250 * time.Millisecond
	for i := 1; i <= 9; i++ { // 0.25s .. 2.25s
		v.Update(sim.Snapshot{Elapsed: time.Duration(i) * tick, Phase: "running", Connected: 10, Sent: int64(i) * 110, OK: int64(i) * 100, Errors: int64(i), Finished: int64(i)*100 + int64(i)})
	}
	v.Update(sim.Snapshot{Elapsed: 2300 * time.Millisecond, Phase: "done", Connected: 0, Sent: 990, OK: 900, Errors: 9, Uploads: 3, UploadBytes: 3e6, Finished: 900 + 9})
	v.Close()
	v.Close()

	out := buf.String()
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Errorf("want exactly one newline, at the end: %q", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\r")[1:]
	want := []string{ // at 0.25s, 1.25s, 2.25s and the final one
		"   0.2s  connected 10  sent 110  ok 100  errors 1  404.0 req/s ",
		"   1.2s  connected 10  sent 550  ok 500  errors 5  404.0 req/s ",
		"   2.2s  connected 10  sent 990  ok 900  errors 9  404.0 req/s ",
		"   2.3s  connected 0  sent 990  ok 900  errors 9  ",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d: %q", len(lines), len(want), out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}
	last := lines[3]
	if !strings.Contains(last, "uploads 3  ") || !strings.Contains(last, " MB/s") {
		t.Errorf("final line lacks uploads: %q", last)
	}
}

func TestSimViewPlainBlanksLongerLine(t *testing.T) {
	var buf bytes.Buffer
	v := newSimView(&buf, false, nil)
	v.Update(sim.Snapshot{Elapsed: time.Second, Connected: 100000, Sent: 100000, OK: 100000, Finished: 100000})
	n := buf.Len()
	v.Update(sim.Snapshot{Elapsed: 3 * time.Second, Phase: "done"})
	if second := buf.Len() - n; second != n {
		t.Errorf("second line is %d bytes, want %d to cover the first: %q", second, n, buf.String())
	}
}

// simViewClose fails the test if Close does not return.
func simViewClose(t *testing.T, v simView) {
	t.Helper()
	closed := make(chan struct{})
	go func() { v.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
}

// simViewWindow stands in for the terminal's size, which bubbletea reads only
// from a terminal: with none it draws nothing.
var simViewWindow = tea.WithWindowSize(80, 24)

func TestSimViewDashboardProgram(t *testing.T) {
	t.Run("key cancels, Close returns", func(t *testing.T) {
		for _, key := range []string{"q", "\x03"} {
			in, keys := io.Pipe()
			t.Cleanup(func() { keys.Close() })
			var out lockedBuffer
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			v := startSimDashboard(&out, cancel, tea.WithInput(in), simViewWindow)

			v.Update(sim.Snapshot{Elapsed: time.Second, Phase: "running", Endpoints: 5, Connected: 5, OK: 321, Finished: 321})
			testenv.Eventually(t, 5*time.Second, "a frame with the snapshot", func() bool { return strings.Contains(out.String(), "321 ok") })
			if _, err := keys.Write([]byte(key)); err != nil {
				t.Fatal(err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
				t.Fatalf("key %q did not cancel the run", key)
			}
			v.Update(sim.Snapshot{Elapsed: 2 * time.Second, Phase: "done", Endpoints: 5, OK: 654, Finished: 654})
			simViewClose(t, v)
			if got := out.String(); !strings.Contains(got, "654 ok") || !strings.Contains(got, "done") {
				t.Errorf("key %q: last frame missing from output:\n%s", key, got)
			}
		}
	})

	t.Run("Close without input", func(t *testing.T) {
		var out lockedBuffer
		cancelled := false
		v := startSimDashboard(&out, func() { cancelled = true }, tea.WithInput(nil), simViewWindow)
		v.Update(sim.Snapshot{Elapsed: time.Second, Phase: "done", Sent: 77})
		simViewClose(t, v)
		simViewClose(t, v) // idempotent
		if cancelled {
			t.Error("Close cancelled the run")
		}
		if !strings.Contains(out.String(), "77 sent") {
			t.Errorf("no final frame:\n%s", out.String())
		}
	})

	t.Run("after leaving the dashboard updates go to a line", func(t *testing.T) {
		in, keys := io.Pipe()
		t.Cleanup(func() { keys.Close() })
		var out lockedBuffer
		v := startSimDashboard(&out, func() {}, tea.WithInput(in), simViewWindow)
		for _, k := range []string{"q", "q"} {
			if _, err := keys.Write([]byte(k)); err != nil {
				t.Fatal(err)
			}
		}
		testenv.Eventually(t, 5*time.Second, "the program to end", func() bool {
			select {
			case <-v.done:
				return true
			default:
				return false
			}
		})
		v.Update(sim.Snapshot{Elapsed: 3 * time.Second, Phase: "draining", Sent: 999, OK: 998, Finished: 998})
		simViewClose(t, v)
		got := out.String()
		if !strings.Contains(got, "\r   3.0s  connected 0  sent 999  ok 998") || !strings.HasSuffix(got, "\n") {
			t.Errorf("no progress line after the dashboard:\n%q", got)
		}
	})
}

func TestSimViewIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) || isTerminal(nil) {
		t.Error("a file or nil is not a terminal")
	}
}

// TestSimViewNoTerminalQueryAtStart runs this test binary, which links the
// dashboard's packages as kaactl does, with a terminal that never answers as
// its output. bubbletea v1 asked such a terminal for its background colour at
// package init, so every command, not only sim, printed the query and waited
// 5 s for a reply; nothing may ask the terminal anything before the dashboard
// runs.
func TestSimViewNoTerminalQueryAtStart(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no pty on windows")
	}
	// Package inits, then no test; TERM names a terminal that would be asked.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "TERM" && k != "NO_COLOR" && k != "TMUX" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "TERM=xterm-256color")
	start := time.Now()
	// The pty becomes the child's controlling terminal, with the child in
	// its foreground: terminal libraries ask nothing otherwise.
	ptm, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer ptm.Close()
	out := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(ptm) // ends with EIO once the child has exited
		out <- b
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("child: %v", err)
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("child did not exit")
	}
	took := time.Since(start)
	var got []byte
	select {
	case got = <-out:
	case <-time.After(5 * time.Second):
		t.Fatal("the terminal stayed open after the child exited")
	}
	if bytes.ContainsRune(got, 0x1b) {
		t.Errorf("child wrote an escape sequence to the terminal: %q", got)
	}
	if took > 4*time.Second { // bubbletea v1 waited 5 s
		t.Errorf("child took %v: it waited for the terminal", took)
	}
	if !bytes.Contains(got, []byte("PASS")) {
		t.Errorf("child output %q lacks PASS", got)
	}
}
