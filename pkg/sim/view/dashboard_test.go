package view

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/sim"
)

// renderPlain renders the dashboard without its colours.
func renderPlain(sc screen, width int) string {
	return ansi.Strip(render(sc, width, newStyles()))
}

// frame is the model's frame without its colours.
func frame(m tea.Model) string { return ansi.Strip(m.View().Content) }

func TestRender(t *testing.T) {
	snap := sim.Snapshot{
		Elapsed: 12300 * time.Millisecond, Phase: "running",
		Endpoints: 1000, Connected: 980, Connects: 990, ConnectFailures: 10,
		Sent: 12345, OK: 12000, Errors: 17,
		ErrorsByKind: map[string]int64{"timeout": 9, "status_500": 4, "disconnected": 2, "connect": 1, "upload_503": 1},
		LatencyP50:   1234 * time.Microsecond, LatencyP90: 34500 * time.Microsecond, LatencyP99: 1500 * time.Millisecond,
		Uploads: 12, UploadBytes: 34_500_000,
	}
	r := rates{Connects: 45.2, Requests: 1523.4, UploadBytes: 3_400_000, CPU: 0.87}
	tests := []struct {
		name   string
		screen screen
		want   []string
		absent []string
	}{
		{"running", screen{Snap: snap, Rates: r, Cores: 2},
			[]string{"running", "12.3s", "980/1000 connected", "990 connects", "10 failed", "45.2 conn/s",
				"12345 sent", "12000 ok", "17 errors", "1523.4 req/s",
				"p50 1.23 ms", "p90 34.5 ms", "p99 1.50 s",
				"timeout 9 · status_500 4 · disconnected 2 · connect 1 · +1 more",
				"uploads", "12 · 34.5 MB · 3.40 MB/s", "87% of one core (2 usable)", "q or ctrl+c stops"},
			[]string{"bottleneck", "stopping"}},
		{"simulator busy", screen{Snap: snap, Rates: rates{CPU: 1.7}, Cores: 2},
			[]string{"170% of one core", "simulator busy: it may be the bottleneck"}, nil},
		{"before the first snapshot", screen{},
			[]string{"starting", "0/0 connected", "errors     none", "0% of one core"}, []string{"uploads"}},
		{"stopping", screen{Snap: sim.Snapshot{Phase: "draining"}, Stopping: true},
			[]string{"stopping", "ctrl+c again leaves the dashboard"}, []string{"draining"}},
		{"done after stop", screen{Snap: sim.Snapshot{Phase: "done"}, Stopping: true},
			[]string{"kaactl sim  done"}, nil},
		{"closed", screen{Snap: sim.Snapshot{Phase: "done", OK: 3, Finished: 3}, Stopping: true, Closed: true},
			[]string{"3 ok", "sim cpu"}, []string{"ctrl+c", "stopping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderPlain(tt.screen, 0)
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
			got := renderPlain(screen{Snap: snap, Rates: r, Cores: 2}, width)
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

func keyPress(k string) tea.KeyPressMsg {
	if k == "ctrl+c" {
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: rune(k[0]), Text: k}
}

func TestKeys(t *testing.T) {
	for _, key := range []string{"ctrl+c", "q"} {
		t.Run(key, func(t *testing.T) {
			cancels := 0
			var m tea.Model = model{window: rateWindow{span: time.Second}, styles: newStyles(), cancel: func() { cancels++ }}

			m, cmd := m.Update(keyPress("x"))
			if cancels != 0 || cmd != nil {
				t.Fatalf("x: %d cancels, cmd %v", cancels, cmd)
			}
			m, cmd = m.Update(keyPress(key))
			if cancels != 1 {
				t.Fatalf("first %s: %d cancels, want 1", key, cancels)
			}
			if cmd != nil {
				t.Errorf("first %s quits the dashboard; it should stay to show the drain", key)
			}
			if !strings.Contains(frame(m), "stopping") {
				t.Errorf("view after %s:\n%s", key, frame(m))
			}
			// Snapshots still arrive while the engine drains.
			m, _ = m.Update(snapshotMsg{Elapsed: time.Second, Phase: "draining", OK: 42})
			if !strings.Contains(frame(m), "42 ok") {
				t.Errorf("view lacks the drain's snapshot:\n%s", frame(m))
			}
			m, cmd = m.Update(keyPress(key))
			if strings.Contains(frame(m), "ctrl+c") {
				t.Errorf("last frame keeps the key help:\n%s", frame(m))
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

func TestModelMessages(t *testing.T) {
	var m tea.Model = model{window: rateWindow{span: time.Second}, styles: newStyles(), cancel: func() {}}
	m, _ = m.Update(tea.WindowSizeMsg{Width: 30, Height: 10})
	for i := 1; i <= 4; i++ {
		m, _ = m.Update(snapshotMsg{Elapsed: time.Duration(i) * 250 * time.Millisecond, Phase: "running", OK: int64(i) * 100, Finished: int64(i) * 100})
	}
	v := m.View().Content
	if !strings.HasSuffix(v, "\n") {
		t.Errorf("view should end in a newline so the last frame survives the exit:\n%q", v)
	}
	if got := m.(model).screen.Rates.Requests; got != 400 {
		t.Errorf("req/s %v, want 400", got)
	}
	for _, l := range strings.Split(v, "\n") {
		if lipgloss.Width(l) > 30 {
			t.Errorf("line %q wider than the window", l)
		}
	}
	m, cmd := m.Update(closeMsg{})
	if cmd == nil {
		t.Fatal("close: no quit command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Errorf("close: command gives %T", cmd())
	}
	if strings.Contains(frame(m), "q or ctrl+c") {
		t.Errorf("last frame keeps the key help:\n%s", frame(m))
	}
}

// closeWithin fails the test if Close does not return.
func closeWithin(t *testing.T, v View) {
	t.Helper()
	closed := make(chan struct{})
	go func() { v.Close(); close(closed) }()
	testenv.Receive(t, closed, 5*time.Second, "Close did not return")
}

// windowSize stands in for the terminal's size, which bubbletea reads only
// from a terminal: with none it draws nothing.
var windowSize = tea.WithWindowSize(80, 24)

func TestDashboardProgram(t *testing.T) {
	t.Run("key cancels, Close returns", func(t *testing.T) {
		for _, key := range []string{"q", "\x03"} {
			in, keys := io.Pipe()
			t.Cleanup(func() { keys.Close() })
			var out testenv.Buffer
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			v := startDashboard(&out, cancel, tea.WithInput(in), windowSize)

			v.Update(sim.Snapshot{Elapsed: time.Second, Phase: "running", Endpoints: 5, Connected: 5, OK: 321, Finished: 321})
			testenv.Eventually(t, 5*time.Second, "a frame with the snapshot", func() bool { return strings.Contains(out.String(), "321 ok") })
			if _, err := keys.Write([]byte(key)); err != nil {
				t.Fatal(err)
			}
			testenv.Receive(t, ctx.Done(), 5*time.Second, fmt.Sprintf("key %q did not cancel the run", key))
			v.Update(sim.Snapshot{Elapsed: 2 * time.Second, Phase: "done", Endpoints: 5, OK: 654, Finished: 654})
			closeWithin(t, v)
			if got := out.String(); !strings.Contains(got, "654 ok") || !strings.Contains(got, "done") {
				t.Errorf("key %q: last frame missing from output:\n%s", key, got)
			}
		}
	})

	t.Run("Close without input", func(t *testing.T) {
		var out testenv.Buffer
		cancelled := false
		v := startDashboard(&out, func() { cancelled = true }, tea.WithInput(nil), windowSize)
		v.Update(sim.Snapshot{Elapsed: time.Second, Phase: "done", Sent: 77})
		closeWithin(t, v)
		closeWithin(t, v) // idempotent
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
		var out testenv.Buffer
		v := startDashboard(&out, func() {}, tea.WithInput(in), windowSize)
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
		closeWithin(t, v)
		got := out.String()
		if !strings.Contains(got, "\r   3.0s  connected 0  sent 999  ok 998") || !strings.HasSuffix(got, "\n") {
			t.Errorf("no progress line after the dashboard:\n%q", got)
		}
	})
}
