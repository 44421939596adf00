package sim

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseFailOnErrors(t *testing.T) {
	for _, s := range []string{"p99", "p99>", "p99>abc", "foo>1", ">1", "errors>x%", "rps<-1", "p99=1s", "mbps>fast", "upload_p99>1"} {
		if _, err := ParseFailOn(s); err == nil {
			t.Errorf("ParseFailOn(%q) accepted", s)
		}
	}
	if f, err := ParseFailOn(""); err != nil || len(f.Conds) != 0 {
		t.Errorf("empty: %v %v", f, err)
	}
}

func TestFailOnCheck(t *testing.T) {
	r := Report{
		Requests: 1000, OK: 998, RequestsPerSec: 400,
		LatencyP50: 10 * time.Millisecond, LatencyP90: 50 * time.Millisecond, LatencyP99: 250 * time.Millisecond, LatencyMax: time.Second,
		Errors:    map[string]int64{"timeout": 2},
		UploadP50: 40 * time.Millisecond, UploadP99: 3 * time.Second, ConnectP99: 20 * time.Millisecond, UploadMBPerSec: 12.5,
	}
	tests := []struct {
		spec string
		want []string
	}{
		{"p99>200ms", []string{"p99 250ms > 200ms"}},
		{"p99>300ms", nil},
		{"p50>=10ms, p90>49ms", []string{"p50 10ms >= 10ms", "p90 50ms > 49ms"}},
		{"max>1s", nil},
		{"max>=1s", []string{"max 1s >= 1s"}},
		{"errors>0.1%", []string{"errors 0.2% > 0.1%"}},
		{"errors>0.5%", nil},
		{"errors>1", []string{"errors 2 > 1"}},
		{"errors>2", nil},
		{"rps<500", []string{"rps 400.0 < 500"}},
		{"rps<300", nil},
		{"upload_p99>2s", []string{"upload_p99 3s > 2s"}},
		{"upload_p50>50ms,connect_p99>=20ms", []string{"connect_p99 20ms >= 20ms"}},
		{"mbps<20", []string{"mbps 12.50 < 20"}},
		{"mbps<10", nil},
		{"p99>200ms,errors>0.1%,rps<100", []string{"p99 250ms > 200ms", "errors 0.2% > 0.1%"}},
	}
	for _, tt := range tests {
		f, err := ParseFailOn(tt.spec)
		if err != nil {
			t.Errorf("%q: %v", tt.spec, err)
			continue
		}
		if got := f.Check(r); !slices.Equal(got, tt.want) {
			t.Errorf("%q: Check = %q, want %q", tt.spec, got, tt.want)
		}
	}
	if got := f0(t, "p99>1ms").Check(Report{Requests: 1, OK: 1, LatencyP99: 1925119 * time.Nanosecond}); len(got) != 1 || got[0] != "p99 1.93ms > 1ms" {
		t.Errorf("rounding: %q", got)
	}
	// Latency of nothing that succeeded fails the gate; so does an interrupted run.
	f, _ := ParseFailOn("p99>200ms")
	if got := f.Check(Report{Requests: 5, Errors: map[string]int64{"timeout": 5}}); len(got) != 1 || !strings.Contains(got[0], "nothing succeeded") {
		t.Errorf("all timed out: %q", got)
	}
	if got := f.Check(Report{Requests: 5, OK: 5, LatencyP99: time.Millisecond, Interrupted: true}); len(got) != 1 || !strings.Contains(got[0], "interrupted") {
		t.Errorf("interrupted: %q", got)
	}
	// No requests: a percentage cannot be violated, a count can.
	f, _ = ParseFailOn("errors>0%")
	if got := f.Check(Report{}); got != nil {
		t.Errorf("empty report: %q", got)
	}
}

func f0(t *testing.T, spec string) FailOn {
	t.Helper()
	f, err := ParseFailOn(spec)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
