package view

import (
	"fmt"
	"io"
	"strings"

	"github.com/kaactl/kaactl/pkg/sim"
)

// barWidth is the width of a counter's bar, in cells.
const barWidth = 30

// NewCounter returns a function that shows how far a job with a known
// total has got (provisioning endpoints, say): a bar rewritten in place on
// a terminal, finished with a newline at the total; elsewhere a line
// ending with a newline at every tenth of the total, and at the end.
func NewCounter(w io.Writer, tty bool, what string) func(done, total int) {
	lastTenth := -1
	return func(done, total int) {
		if total <= 0 {
			return
		}
		done = min(max(done, 0), total)
		if !tty {
			if tenth := done * 10 / total; tenth > lastTenth {
				lastTenth = tenth
				fmt.Fprintf(w, "%s: %s of %s\n", what, sim.Thousands(int64(done)), sim.Thousands(int64(total)))
			}
			return
		}
		filled := done * barWidth / total
		fmt.Fprintf(w, "\r%s  [%s%s]  %s/%s  %3d%%", what, strings.Repeat("#", filled), strings.Repeat("-", barWidth-filled),
			sim.Thousands(int64(done)), sim.Thousands(int64(total)), done*100/total)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}
