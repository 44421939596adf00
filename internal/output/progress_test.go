package output

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	at := time.Unix(0, 0)
	p := NewProgressBar(&buf, 60, "blob")
	p.now = func() time.Time { return at }
	p.Update(100, 1000) // small: no bar
	p.Done()
	if buf.Len() != 0 {
		t.Fatalf("a small transfer drew %q", buf.String())
	}
	p.Update(1<<20, 4<<20)
	p.Update(2<<20, 4<<20) // within 100 ms: not redrawn
	at = at.Add(time.Second)
	p.Update(4<<20, 4<<20)
	p.Done()
	frames := strings.Split(buf.String(), "\r")
	if len(frames) != 4 || !strings.Contains(frames[1], " 25% 1.0 MiB / 4.0 MiB") || !strings.Contains(frames[2], "[====") || !strings.Contains(frames[2], "100%") {
		t.Errorf("frames %q", frames)
	}
	for _, f := range frames {
		if len(strings.TrimSuffix(f, "\x1b[K")) > 60 {
			t.Errorf("frame %q is wider than 60", f)
		}
	}
}
