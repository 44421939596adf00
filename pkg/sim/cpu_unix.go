//go:build unix

package sim

import (
	"syscall"
	"time"
)

// cpuTime is the process's CPU so far (user+sys), 0 if unknown.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
