package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Condition is one failure condition, e.g. p99>200ms.
type Condition struct {
	Metric  string // see ParseFailOn
	Op      string // ">", ">=", "<", "<="
	Dur     time.Duration
	Value   float64 // errors (count or percent) and rps
	Percent bool    // errors given as a percentage of requests
	Text    string  // as given, e.g. "p99>200ms"
	Limit   string  // the value as given, e.g. "200ms" or "0.1%"
}

// FailOn is a set of conditions any of which fails a run.
type FailOn struct{ Conds []Condition }

// ParseFailOn parses a comma-separated list such as "p99>200ms,errors>0.1%,rps<500".
// Metrics: p50, p90, p99, max (request latency), upload_p50, upload_p99,
// connect_p99 (durations); errors (a count, or with % a percentage of the
// operations: requests, uploads and connection attempts); rps (requests per
// second), mbps (MB uploaded per second). Operators: >, >=, <, <=.
func ParseFailOn(s string) (FailOn, error) {
	var f FailOn
	for part := range listItems(s) {
		i := strings.IndexAny(part, "<>")
		if i <= 0 {
			return FailOn{}, fmt.Errorf("fail-on %q: want <metric><op><value>, e.g. p99>200ms", part)
		}
		c := Condition{Metric: strings.ToLower(strings.TrimSpace(part[:i])), Op: part[i : i+1], Text: part}
		val := part[i+1:]
		if strings.HasPrefix(val, "=") {
			c.Op += "="
			val = val[1:]
		}
		val = strings.TrimSpace(val)
		c.Limit = val
		switch c.Metric {
		case "p50", "p90", "p99", "max", "upload_p50", "upload_p99", "connect_p99":
			d, err := time.ParseDuration(val)
			if err != nil {
				return FailOn{}, fmt.Errorf("fail-on %q: %v", part, err)
			}
			c.Dur = d
		case "errors", "rps", "mbps":
			if c.Metric == "errors" {
				val, c.Percent = strings.CutSuffix(val, "%")
			}
			v, err := strconv.ParseFloat(val, 64)
			if err != nil || v < 0 {
				return FailOn{}, fmt.Errorf("fail-on %q: bad number %q", part, val)
			}
			c.Value = v
		default:
			return FailOn{}, fmt.Errorf("fail-on %q: unknown metric %q (p50, p90, p99, max, upload_p50, upload_p99, connect_p99, errors, rps, mbps)", part, c.Metric)
		}
		f.Conds = append(f.Conds, c)
	}
	return f, nil
}

func compare(op string, a, b float64) bool {
	switch op {
	case ">":
		return a > b
	case ">=":
		return a >= b
	case "<":
		return a < b
	default:
		return a <= b
	}
}

// Check returns the conditions the report holds, each as "<metric>
// <actual> <op> <limit>" (e.g. "p99 212ms > 200ms"); none means the run
// passed.
func (f FailOn) Check(r Report) []string {
	var out []string
	if r.Interrupted && len(f.Conds) > 0 {
		// A gated run that was cut short (Ctrl-C, a CI timeout) proves nothing.
		out = append(out, "the run was interrupted")
	}
	for _, c := range f.Conds {
		var actual, limit float64
		var shown string
		switch c.Metric {
		case "p50", "p90", "p99", "max", "upload_p50", "upload_p99", "connect_p99":
			d := map[string]time.Duration{"p50": r.LatencyP50, "p90": r.LatencyP90, "p99": r.LatencyP99, "max": r.LatencyMax,
				"upload_p50": r.UploadP50, "upload_p99": r.UploadP99, "connect_p99": r.ConnectP99}[c.Metric]
			// A latency of nothing that succeeded is not a pass: with every
			// request timed out the histogram is empty and would read 0.
			tried, succeeded := r.Requests, r.OK
			switch c.Metric {
			case "upload_p50", "upload_p99":
				tried, succeeded = r.UploadAttempts, r.Uploads
			case "connect_p99":
				tried, succeeded = r.Connects+r.ConnectFailures, r.Connects
			}
			if tried > 0 && succeeded == 0 {
				out = append(out, fmt.Sprintf("%s %s %s: nothing succeeded to measure", c.Metric, c.Op, c.Limit))
				continue
			}
			actual, limit, shown = float64(d), float64(c.Dur), threeDigits(d).String()
		case "errors":
			n := float64(r.ErrorCount())
			if c.Percent {
				if total := float64(r.Operations()); total > 0 {
					actual = 100 * n / total
				}
				shown = strconv.FormatFloat(actual, 'g', 4, 64) + "%"
			} else {
				actual, shown = n, strconv.FormatFloat(n, 'f', 0, 64)
			}
			limit = c.Value
		case "rps":
			actual, limit, shown = r.RequestsPerSec, c.Value, strconv.FormatFloat(r.RequestsPerSec, 'f', 1, 64)
		case "mbps":
			actual, limit, shown = r.UploadMBPerSec, c.Value, strconv.FormatFloat(r.UploadMBPerSec, 'f', 2, 64)
		}
		if compare(c.Op, actual, limit) {
			out = append(out, fmt.Sprintf("%s %s %s %s", c.Metric, shown, c.Op, c.Limit))
		}
	}
	return out
}

// threeDigits rounds d to three significant digits (1.925119ms is 1.93ms):
// a failure message names the value, not the histogram's bucket.
func threeDigits(d time.Duration) time.Duration {
	for p := time.Duration(1); p < time.Hour; p *= 10 {
		if d < 1000*p {
			return d.Round(p)
		}
	}
	return d.Round(time.Second)
}
