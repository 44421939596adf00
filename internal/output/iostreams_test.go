package output

import (
	"os"
	"testing"

	"github.com/creack/pty"
)

func TestIOStreamsTTY(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 132}); err != nil {
		t.Fatal(err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	buf, _, _, _ := Test()

	tests := []struct {
		name      string
		ios       *IOStreams
		stdinTTY  bool
		stdoutTTY bool
		stderrTTY bool
		width     int
	}{
		{"terminal", New(tty, tty, tty), true, true, true, 132},
		{"pipe", New(pr, pw, pw), false, false, false, 80},
		{"stdout piped, stderr on the terminal", New(tty, pw, tty), true, false, true, 80},
		{"buffers", buf, false, false, false, 80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ios.IsStdinTTY(); got != tt.stdinTTY {
				t.Errorf("IsStdinTTY %v, want %v", got, tt.stdinTTY)
			}
			if got := tt.ios.IsStdoutTTY(); got != tt.stdoutTTY {
				t.Errorf("IsStdoutTTY %v, want %v", got, tt.stdoutTTY)
			}
			if got := tt.ios.IsStderrTTY(); got != tt.stderrTTY {
				t.Errorf("IsStderrTTY %v, want %v", got, tt.stderrTTY)
			}
			if got := tt.ios.TerminalWidth(); got != tt.width {
				t.Errorf("TerminalWidth %d, want %d", got, tt.width)
			}
		})
	}
}

func TestIOStreamsOverrides(t *testing.T) {
	ios, _, _, _ := Test()
	ios.SetStdoutTTY(true)
	ios.SetTerminalWidth(120)
	if !ios.IsStdoutTTY() || ios.IsStderrTTY() || ios.TerminalWidth() != 120 {
		t.Errorf("stdout tty %v, stderr tty %v, width %d", ios.IsStdoutTTY(), ios.IsStderrTTY(), ios.TerminalWidth())
	}
	ios.SetStdoutTTY(false)
	ios.SetStderrTTY(true)
	if ios.IsStdoutTTY() || !ios.IsStderrTTY() {
		t.Errorf("after the second override: stdout tty %v, stderr tty %v", ios.IsStdoutTTY(), ios.IsStderrTTY())
	}
}
