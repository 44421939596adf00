package output

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressMin is the size below which a transfer shows no bar: it is over
// before anyone could read one.
const progressMin = 1 << 20

// ProgressBar draws a transfer's progress on one terminal line (stderr),
// redrawn at most every 100 ms, and clears it when done.
type ProgressBar struct {
	w     io.Writer
	width int
	label string
	now   func() time.Time
	last  time.Time
	drawn bool
}

// NewProgressBar draws on w, a terminal width cells wide.
func NewProgressBar(w io.Writer, width int, label string) *ProgressBar {
	return &ProgressBar{w: w, width: width, label: label, now: time.Now}
}

// Update shows done of total bytes (total < 0: unknown).
func (p *ProgressBar) Update(done, total int64) {
	if max(done, total) < progressMin {
		return
	}
	if now := p.now(); now.Sub(p.last) >= 100*time.Millisecond || done == total {
		p.last = now
		p.drawn = true
		fmt.Fprint(p.w, "\r"+p.line(done, total)+"\x1b[K")
	}
}

// Done clears the bar.
func (p *ProgressBar) Done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

func (p *ProgressBar) line(done, total int64) string {
	if total <= 0 {
		return fmt.Sprintf("%s %s", p.label, Bytes(done))
	}
	tail := fmt.Sprintf(" %3d%% %s / %s", done*100/total, Bytes(done), Bytes(total))
	bar := max(10, p.width-len(p.label)-len(tail)-4)
	fill := int(int64(bar) * done / total)
	return p.label + " [" + strings.Repeat("=", fill) + strings.Repeat(" ", bar-fill) + "]" + tail
}
