package view

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/pkg/sim"
)

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	v := New(&buf, false, nil)
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
	v := New(&buf, false, nil)
	v.Update(sim.Snapshot{Elapsed: time.Second, Connected: 100000, Sent: 100000, OK: 100000, Finished: 100000})
	n := buf.Len()
	v.Update(sim.Snapshot{Elapsed: 3 * time.Second, Phase: "done"})
	if second := buf.Len() - n; second != n {
		t.Errorf("second line is %d bytes, want %d to cover the first: %q", second, n, buf.String())
	}
}
