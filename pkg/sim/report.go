package sim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kaactl/kaactl/internal/output"
)

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type reportJSON struct {
	Scenario        string            `json:"scenario"`
	Transport       string            `json:"transport"`
	Endpoints       int               `json:"endpoints"`
	Connected       int               `json:"connected"`
	NeverConnected  int               `json:"never_connected"`
	ConnectFailures int64             `json:"connect_failures"`
	Lost            int64             `json:"lost_connections"`
	ConnectsPerSec  float64           `json:"connects_per_sec"`
	Connects        int64             `json:"connects"`
	ConnectP50ms    float64           `json:"connect_p50_ms"`
	ConnectP99ms    float64           `json:"connect_p99_ms"`
	Requests        int64             `json:"requests"`
	OK              int64             `json:"ok"`
	RequestsPerSec  float64           `json:"requests_per_sec"`
	P50ms           float64           `json:"p50_ms"`
	P90ms           float64           `json:"p90_ms"`
	P99ms           float64           `json:"p99_ms"`
	Maxms           float64           `json:"max_ms"`
	Uploads         int64             `json:"uploads"`
	UploadAttempts  int64             `json:"upload_attempts"`
	UploadBytes     int64             `json:"upload_bytes"`
	UploadMBps      float64           `json:"upload_mb_per_sec"`
	UploadP50ms     float64           `json:"upload_p50_ms"`
	UploadP99ms     float64           `json:"upload_p99_ms"`
	TokenFetches    int64             `json:"token_fetches"`
	TokenRefetches  int64             `json:"token_refetches"`
	Errors          map[string]int64  `json:"errors"`
	ErrorSamples    map[string]string `json:"error_samples"`
	ErrorCount      int64             `json:"error_count"`
	ElapsedS        float64           `json:"elapsed_s"`
	RampS           float64           `json:"ramp_s"`
	CPUPerRequestUs float64           `json:"cpu_per_request_us"`
	CPUSeconds      float64           `json:"cpu_s"`
	CPUCores        int               `json:"cpu_cores"`
	CPUUtilization  float64           `json:"cpu_utilization"`
	CPUSaturated    bool              `json:"cpu_saturated"`
	Interrupted     bool              `json:"interrupted"`
}

// JSON encodes the report with snake_case keys; durations are in
// milliseconds (p50_ms, ...), seconds (elapsed_s, ramp_s, cpu_s) or
// microseconds (cpu_per_request_us); cpu_utilization is the share of
// cpu_cores the simulator kept busy in the load phase, and cpu_saturated
// says it was 90% or more (the figures then measure the simulator too).
func (r Report) JSON() ([]byte, error) {
	errs, samples := r.Errors, r.ErrorSamples
	if errs == nil {
		errs = map[string]int64{}
	}
	if samples == nil {
		samples = map[string]string{}
	}
	return json.Marshal(reportJSON{
		Scenario: r.Scenario, Transport: r.Transport,
		Endpoints: r.Endpoints, Connected: r.Connected, NeverConnected: r.NeverConnected, ConnectFailures: r.ConnectFailures, Lost: r.Lost,
		ConnectsPerSec: r.ConnectsPerSec,
		Connects:       r.Connects, ConnectP50ms: ms(r.ConnectP50), ConnectP99ms: ms(r.ConnectP99),
		Uploads: r.Uploads, UploadAttempts: r.UploadAttempts, UploadBytes: r.UploadBytes, UploadMBps: r.UploadMBPerSec,
		UploadP50ms: ms(r.UploadP50), UploadP99ms: ms(r.UploadP99), TokenFetches: r.TokenFetches, TokenRefetches: r.TokenRefetches,
		Requests: r.Requests, OK: r.OK, RequestsPerSec: r.RequestsPerSec,
		P50ms: ms(r.LatencyP50), P90ms: ms(r.LatencyP90), P99ms: ms(r.LatencyP99), Maxms: ms(r.LatencyMax),
		Errors: errs, ErrorSamples: samples, ErrorCount: r.ErrorCount(), ElapsedS: r.Elapsed.Seconds(), RampS: r.RampElapsed.Seconds(),
		CPUPerRequestUs: float64(r.CPUPerRequest) / float64(time.Microsecond), Interrupted: r.Interrupted,
		CPUSeconds: r.CPU.Seconds, CPUCores: r.CPU.Cores, CPUUtilization: r.CPU.Utilization, CPUSaturated: r.CPU.Saturated,
	})
}

func fmtDur(d time.Duration) string { return fmt.Sprintf("%.3f ms", ms(d)) }

// WriteTable writes the report as a two-column table of the output layer:
// aligned on a terminal, tab-separated in a pipe.
func (r Report) WriteTable(ios *output.IOStreams) error {
	tw := output.NewTable(ios, "metric", "value")
	row := func(k, format string, a ...any) { tw.Row(k, fmt.Sprintf(format, a...)) }
	row("scenario", "%s over %s", r.Scenario, r.Transport)
	row("endpoints", "%d connected of %d (%d failed)", r.Connected, r.Endpoints, r.ConnectFailures)
	if r.Lost > 0 {
		row("lost", "%d connections", r.Lost)
	}
	row("connect rate", "%.1f/s over %s", r.ConnectsPerSec, r.RampElapsed.Round(time.Millisecond))
	row("connect time", "p50 %s  p99 %s  (%d connects)", fmtDur(r.ConnectP50), fmtDur(r.ConnectP99), r.Connects)
	if r.Requests > 0 || r.UploadAttempts == 0 {
		row("requests", "%d (%d ok) in %s", r.Requests, r.OK, r.Elapsed.Round(time.Millisecond))
		row("throughput", "%.1f req/s", r.RequestsPerSec)
		row("latency p50", "%s", fmtDur(r.LatencyP50))
		row("latency p90", "%s", fmtDur(r.LatencyP90))
		row("latency p99", "%s", fmtDur(r.LatencyP99))
		row("latency max", "%s", fmtDur(r.LatencyMax))
	}
	if r.UploadAttempts > 0 {
		row("uploads", "%d stored of %d, %.1f MB (%.2f MB/s)", r.Uploads, r.UploadAttempts, float64(r.UploadBytes)/1e6, r.UploadMBPerSec)
		row("upload time", "p50 %s  p99 %s", fmtDur(r.UploadP50), fmtDur(r.UploadP99))
		row("upload tokens", "%d fetched (%d after BCX refused one)", r.TokenFetches, r.TokenRefetches)
	}
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
	for _, k := range kinds {
		if why := r.ErrorSamples[k]; why != "" {
			row("  "+k, "%s", why)
		}
	}
	row("sim cpu/op", "%.1f µs", float64(r.CPUPerRequest)/float64(time.Microsecond))
	row("sim cpu", "%s", r.CPU)
	if r.Interrupted {
		row("interrupted", "yes")
	}
	return tw.Render()
}

// Write writes the report in format f: JSON on one line (what CI scripts
// pipe to jq), YAML with the same keys, or a table.
func (r Report) Write(ios *output.IOStreams, f output.Format) error {
	switch f {
	case output.FormatJSON:
		b, err := r.JSON()
		if err == nil {
			_, err = fmt.Fprintf(ios.Out, "%s\n", b)
		}
		return err
	case output.FormatYAML:
		b, err := r.JSON()
		if err != nil {
			return err
		}
		return output.Write(ios.Out, f, json.RawMessage(b))
	}
	return r.WriteTable(ios)
}
