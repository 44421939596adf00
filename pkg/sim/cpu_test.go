package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kaactl/kaactl/internal/output"
)

func TestCPUUse(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cpu, wall time.Duration
		cores     int
		util      float64
		saturated bool
	}{
		{"idle", 0, 10 * time.Second, 2, 0, false},
		{"one of two cores", 10 * time.Second, 10 * time.Second, 2, 0.5, false},
		{"just under", 17900 * time.Millisecond, 10 * time.Second, 2, 0.895, false},
		{"at 90%", 18 * time.Second, 10 * time.Second, 2, 0.9, true},
		{"all cores", 8 * time.Second, 2 * time.Second, 4, 1, true},
		{"no wall time", time.Second, 0, 2, 0, false},
		{"no cores known", time.Second, time.Second, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := cpuUse(tc.cpu, tc.wall, tc.cores)
			if d := u.Utilization - tc.util; d > 1e-9 || d < -1e-9 || u.Saturated != tc.saturated {
				t.Errorf("cpuUse(%v, %v, %d) = %+v, want utilization %v saturated %v", tc.cpu, tc.wall, tc.cores, u, tc.util, tc.saturated)
			}
			if u.Seconds != tc.cpu.Seconds() || u.Cores != tc.cores {
				t.Errorf("cpuUse(%v, %v, %d) = %+v", tc.cpu, tc.wall, tc.cores, u)
			}
		})
	}
}

// TestReportCPU: every output format says how busy the simulator was and
// whether it saturated.
func TestReportCPU(t *testing.T) {
	for _, tc := range []struct {
		name  string
		use   CPUUse
		table string
	}{
		{"saturated", cpuUse(19*time.Second, 10*time.Second, 2), "19.00 s, 95% of 2 cores (saturated"},
		{"not saturated", cpuUse(5*time.Second, 10*time.Second, 2), "5.00 s, 25% of 2 cores"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := Report{Scenario: "kp", Transport: "mqtt", CPU: tc.use}
			formats := map[output.Format]func(string) (map[string]any, error){
				output.FormatJSON: func(s string) (map[string]any, error) {
					var m map[string]any
					return m, json.Unmarshal([]byte(s), &m)
				},
				output.FormatYAML: func(s string) (map[string]any, error) {
					var m map[string]any
					err := yaml.Unmarshal([]byte(s), &m)
					if n, ok := m["cpu_cores"].(int); ok {
						m["cpu_cores"] = float64(n) // as JSON has it
					}
					return m, err
				},
			}
			for f, parse := range formats {
				var buf bytes.Buffer
				if err := rep.Write(output.New(nil, &buf, io.Discard), f); err != nil {
					t.Fatal(err)
				}
				m, err := parse(buf.String())
				if err != nil {
					t.Fatalf("%s: %v\n%s", f, err, buf.String())
				}
				if m["cpu_saturated"] != tc.use.Saturated || m["cpu_cores"] != float64(2) {
					t.Errorf("%s: cpu_saturated %v cpu_cores %v, want %v and 2:\n%s", f, m["cpu_saturated"], m["cpu_cores"], tc.use.Saturated, buf.String())
				}
			}
			var buf bytes.Buffer
			if err := rep.Write(output.New(nil, &buf, io.Discard), output.FormatTable); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), tc.table) || strings.Contains(buf.String(), "saturated") != tc.use.Saturated {
				t.Errorf("table lacks %q:\n%s", tc.table, buf.String())
			}
		})
	}
}
