package view

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/kaactl/kaactl/internal/testenv"
)

func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) || IsTerminal(nil) {
		t.Error("a file or nil is not a terminal")
	}
}

// TestNoTerminalQueryAtStart runs this test binary, which links the
// dashboard's packages as kaactl does, with a terminal that never answers as
// its output. bubbletea v1 asked such a terminal for its background colour at
// package init, so every command, not only sim, printed the query and waited
// 5 s for a reply; nothing may ask the terminal anything before the dashboard
// runs.
func TestNoTerminalQueryAtStart(t *testing.T) {
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
	got := testenv.Receive(t, out, 5*time.Second, "the terminal stayed open after the child exited")
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
