package sim

import (
	"fmt"
	"runtime"
	"time"
)

// saturatedAt is the share of the available cores above which the
// simulator, not KPC, may be what limits a run.
const saturatedAt = 0.9

// CPUUse is the simulator's own CPU over a run's load phase (its ramp when
// it had none).
type CPUUse struct {
	Seconds     float64 // process CPU (user+sys)
	Cores       int     // cores the process may use (GOMAXPROCS)
	Utilization float64 // Seconds per wall second per core: 1 is every core busy
	Saturated   bool    // Utilization >= 0.9: a faster KPC would not have been measured faster
}

// cpuUse is the CPU use of cpu seconds over wall on cores.
func cpuUse(cpu, wall time.Duration, cores int) CPUUse {
	u := CPUUse{Seconds: cpu.Seconds(), Cores: cores}
	if wall > 0 && cores > 0 {
		u.Utilization = cpu.Seconds() / wall.Seconds() / float64(cores)
		u.Saturated = u.Utilization >= saturatedAt
	}
	return u
}

// cores is what the process may run on at once (GOMAXPROCS follows the
// CPU affinity and, since Go 1.25, a cgroup's CPU limit).
func cores() int { return runtime.GOMAXPROCS(0) }

// String is the table's line: e.g. "1.62 s, 81% of 2 cores" and, when
// saturated, what that means for the figures.
func (u CPUUse) String() string {
	s := fmt.Sprintf("%.2f s, %.0f%% of %d cores", u.Seconds, 100*u.Utilization, u.Cores)
	if u.Saturated {
		s += " (saturated: the simulator may have been the limit, not the server)"
	}
	return s
}
