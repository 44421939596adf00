package view

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/pkg/sim"
)

// TestProgressLine: on a terminal the line is rewritten in place, at most
// once a second of the run.
func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	v := newProgressLine(&buf, true)
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

func TestProgressLineBlanksLongerLine(t *testing.T) {
	var buf bytes.Buffer
	v := newProgressLine(&buf, true)
	v.Update(sim.Snapshot{Elapsed: time.Second, Connected: 100000, Sent: 100000, OK: 100000, Finished: 100000})
	n := buf.Len()
	v.Update(sim.Snapshot{Elapsed: 3 * time.Second, Phase: "done"})
	if second := buf.Len() - n; second != n {
		t.Errorf("second line is %d bytes, want %d to cover the first: %q", second, n, buf.String())
	}
}

// TestProgressLineInAPipe: in a pipe (anything but a terminal) each update
// is a line of its own, every few seconds of the run, and no \r.
func TestProgressLineInAPipe(t *testing.T) {
	var buf bytes.Buffer
	v := New(&buf, false, nil)
	for i := 1; i <= 48; i++ { // 0.25s .. 12s
		v.Update(sim.Snapshot{Elapsed: time.Duration(i) * 250 * time.Millisecond, Phase: "running", Connected: 10, Sent: int64(i), OK: int64(i), Finished: int64(i)})
	}
	v.Update(sim.Snapshot{Elapsed: 12100 * time.Millisecond, Phase: "done", Sent: 48, OK: 48, Finished: 48})
	v.Close()
	out := buf.String()
	if strings.Contains(out, "\r") {
		t.Errorf("carriage return in a pipe: %q", out)
	}
	lines := testenvLines(out)
	want := []string{"   0.2s  connected 10", "   5.2s  connected 10", "  10.2s  connected 10", "  12.1s  connected 0"}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) || strings.HasSuffix(lines[i], " ") {
			t.Errorf("line %d = %q, want prefix %q and no trailing blanks", i, lines[i], w)
		}
	}
}

func testenvLines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestCounter(t *testing.T) {
	var pipe, tty bytes.Buffer
	p, b := NewCounter(&pipe, false, "provisioning endpoints"), NewCounter(&tty, true, "provisioning endpoints")
	for _, done := range []int{0, 50, 120, 999, 1000, 5000, 9999, 10000} {
		p(done, 10000)
		b(done, 10000)
	}
	want := "provisioning endpoints: 0 of 10,000\nprovisioning endpoints: 1,000 of 10,000\n" +
		"provisioning endpoints: 5,000 of 10,000\nprovisioning endpoints: 9,999 of 10,000\nprovisioning endpoints: 10,000 of 10,000\n"
	if pipe.String() != want {
		t.Errorf("pipe:\n%q\nwant\n%q", pipe.String(), want)
	}
	out := tty.String()
	if !strings.HasSuffix(out, "\rprovisioning endpoints  [##############################]  10,000/10,000  100%\n") || strings.Count(out, "\n") != 1 ||
		!strings.Contains(out, "\rprovisioning endpoints  [###############---------------]  5,000/10,000   50%") {
		t.Errorf("terminal: %q", out)
	}
}
