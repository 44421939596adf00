//go:build !unix && !windows

package sim

import "time"

// cpuTime is unknown here: the report's CPU figures read 0.
func cpuTime() time.Duration { return 0 }
