package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type reportJSON struct {
	Endpoints       int              `json:"endpoints"`
	Connected       int              `json:"connected"`
	ConnectFailures int64            `json:"connect_failures"`
	ConnectsPerSec  float64          `json:"connects_per_sec"`
	Requests        int64            `json:"requests"`
	OK              int64            `json:"ok"`
	RequestsPerSec  float64          `json:"requests_per_sec"`
	P50ms           float64          `json:"p50_ms"`
	P90ms           float64          `json:"p90_ms"`
	P99ms           float64          `json:"p99_ms"`
	Maxms           float64          `json:"max_ms"`
	Errors          map[string]int64 `json:"errors"`
	ErrorCount      int64            `json:"error_count"`
	ElapsedS        float64          `json:"elapsed_s"`
	RampS           float64          `json:"ramp_s"`
	CPUPerRequestUs float64          `json:"cpu_per_request_us"`
	Interrupted     bool             `json:"interrupted"`
}

// JSON encodes the report with snake_case keys; durations are in
// milliseconds (p50_ms, ...), seconds (elapsed_s, ramp_s) or microseconds
// (cpu_per_request_us).
func (r Report) JSON() ([]byte, error) {
	errs := r.Errors
	if errs == nil {
		errs = map[string]int64{}
	}
	return json.Marshal(reportJSON{
		Endpoints: r.Endpoints, Connected: r.Connected, ConnectFailures: r.ConnectFailures, ConnectsPerSec: r.ConnectsPerSec,
		Requests: r.Requests, OK: r.OK, RequestsPerSec: r.RequestsPerSec,
		P50ms: ms(r.LatencyP50), P90ms: ms(r.LatencyP90), P99ms: ms(r.LatencyP99), Maxms: ms(r.LatencyMax),
		Errors: errs, ErrorCount: r.ErrorCount(), ElapsedS: r.Elapsed.Seconds(), RampS: r.RampElapsed.Seconds(),
		CPUPerRequestUs: float64(r.CPUPerRequest) / float64(time.Microsecond), Interrupted: r.Interrupted,
	})
}

func fmtDur(d time.Duration) string { return fmt.Sprintf("%.3f ms", ms(d)) }

// WriteTable writes the report as an aligned two-column table.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, a ...any) { fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{k}, a...)...) }
	row("endpoints", "%d connected of %d (%d failed)", r.Connected, r.Endpoints, r.ConnectFailures)
	row("connect rate", "%.1f/s over %s", r.ConnectsPerSec, r.RampElapsed.Round(time.Millisecond))
	row("requests", "%d (%d ok) in %s", r.Requests, r.OK, r.Elapsed.Round(time.Millisecond))
	row("throughput", "%.1f req/s", r.RequestsPerSec)
	row("latency p50", "%s", fmtDur(r.LatencyP50))
	row("latency p90", "%s", fmtDur(r.LatencyP90))
	row("latency p99", "%s", fmtDur(r.LatencyP99))
	row("latency max", "%s", fmtDur(r.LatencyMax))
	kinds := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s=%d", k, r.Errors[k])
	}
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	row("errors", "%d (%s)", r.ErrorCount(), strings.Join(parts, ", "))
	row("sim cpu/request", "%.1f µs", float64(r.CPUPerRequest)/float64(time.Microsecond))
	if r.Interrupted {
		row("interrupted", "yes")
	}
	return tw.Flush()
}
