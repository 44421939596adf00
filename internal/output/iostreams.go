package output

import (
	"bytes"
	"io"
	"os"

	"github.com/charmbracelet/x/term"
)

// defaultWidth is the terminal width assumed when it cannot be measured.
const defaultWidth = 80

// IOStreams are a command's standard streams. Whether Out and ErrOut are
// terminals is found out when asked, from the file descriptors behind them
// (a buffer is never a terminal), unless a test has said otherwise.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdoutTTY, stderrTTY *bool
	width                int
}

// New returns streams on the given reader and writers.
func New(in io.Reader, out, errOut io.Writer) *IOStreams {
	return &IOStreams{In: in, Out: out, ErrOut: errOut}
}

// System returns the process's standard streams.
func System() *IOStreams { return New(os.Stdin, os.Stdout, os.Stderr) }

// Test returns streams on buffers, which are not terminals until
// SetStdoutTTY or SetStderrTTY says so.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return New(in, out, errOut), in, out, errOut
}

// IsStdinTTY reports whether In is a terminal.
func (s *IOStreams) IsStdinTTY() bool {
	fd, ok := fdOf(s.In)
	return ok && term.IsTerminal(fd)
}

// IsStdoutTTY reports whether Out is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return isTTY(s.stdoutTTY, s.Out) }

// SetStdoutTTY overrides what IsStdoutTTY reports.
func (s *IOStreams) SetStdoutTTY(tty bool) { s.stdoutTTY = &tty }

// IsStderrTTY reports whether ErrOut is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return isTTY(s.stderrTTY, s.ErrOut) }

// SetStderrTTY overrides what IsStderrTTY reports.
func (s *IOStreams) SetStderrTTY(tty bool) { s.stderrTTY = &tty }

// TerminalWidth is the width of the terminal behind Out, or 80 when Out is
// not a terminal or its size is unknown.
func (s *IOStreams) TerminalWidth() int {
	if s.width > 0 {
		return s.width
	}
	if fd, ok := fdOf(s.Out); ok {
		if w, _, err := term.GetSize(fd); err == nil && w > 0 {
			return w
		}
	}
	return defaultWidth
}

// SetTerminalWidth overrides what TerminalWidth reports.
func (s *IOStreams) SetTerminalWidth(width int) { s.width = width }

func isTTY(override *bool, w io.Writer) bool {
	if override != nil {
		return *override
	}
	fd, ok := fdOf(w)
	return ok && term.IsTerminal(fd)
}

// fdOf is the file descriptor behind a stream, if it is a file.
func fdOf(stream any) (uintptr, bool) {
	f, ok := stream.(interface{ Fd() uintptr })
	if !ok {
		return 0, false
	}
	return f.Fd(), true
}
