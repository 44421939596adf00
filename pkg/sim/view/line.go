package view

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/kaactl/kaactl/pkg/sim"
)

// progressLine shows a run's progress in one line of text. On a terminal
// it rewrites that line (with \r) at most once a second of the run's clock;
// elsewhere (a pipe, a CI log) it writes a line ending with a newline every
// pipeEvery. The final snapshot is always shown.
type progressLine struct {
	w       io.Writer
	rewrite bool // a terminal: rewrite the line in place
	window  rateWindow
	printed bool
	last    time.Duration // Elapsed of the line shown
	width   int           // of the line shown, to blank its tail
	closed  bool
}

// pipeEvery is how often progress goes to a pipe: a log of a long run
// should not be all progress.
const pipeEvery = 5 * time.Second

// newProgressLine rewrites the line when w is a terminal, or rewrite says
// it is (the dashboard's fallback runs on its terminal).
func newProgressLine(w io.Writer, rewrite bool) *progressLine {
	return &progressLine{w: w, rewrite: rewrite || termCols(w) > 0, window: rateWindow{span: time.Second}}
}

// termCols is the width of w if it is a terminal, else 0. A line that wraps
// could not be rewritten with \r.
func termCols(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !IsTerminal(f) {
		return 0
	}
	cols, _, err := term.GetSize(f.Fd())
	if err != nil {
		return 0
	}
	return cols
}

// renderLine is the text of the progress line.
func renderLine(s sim.Snapshot, r rates) string {
	line := fmt.Sprintf("%6.1fs  connected %d  sent %d  ok %d  errors %d  %.1f req/s ",
		s.Elapsed.Seconds(), s.Connected, s.Sent, s.OK, s.Errors, r.Requests)
	if s.Uploads > 0 {
		line += fmt.Sprintf(" uploads %d  %.2f MB/s ", s.Uploads, r.UploadBytes/1e6)
	}
	return line
}

func (v *progressLine) Update(s sim.Snapshot) {
	r := v.window.add(s)
	every := time.Second
	if !v.rewrite {
		every = pipeEvery
	}
	if v.printed && s.Elapsed-v.last < every && s.Phase != "done" {
		return
	}
	line := renderLine(s, r)
	if !v.rewrite {
		fmt.Fprintln(v.w, strings.TrimRight(line, " "))
		v.printed, v.last = true, s.Elapsed
		return
	}
	if cols := termCols(v.w); cols > 1 && len(line) >= cols {
		line = line[:cols-1] // ASCII only
	}
	pad := max(v.width-len(line), 0)
	fmt.Fprintf(v.w, "\r%s%s", line, strings.Repeat(" ", pad))
	v.printed, v.last, v.width = true, s.Elapsed, len(line)
}

func (v *progressLine) Close() {
	if !v.closed {
		v.closed = true
		if v.rewrite && v.printed {
			fmt.Fprintln(v.w)
		}
	}
}
