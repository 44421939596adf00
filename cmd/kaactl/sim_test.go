package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestSim runs the simulator against kaactl up and reads its JSON report.
func TestSim(t *testing.T) {
	p, _, stop := startUp(t, t.TempDir())
	defer stop()
	url := "tcp://" + p.KPC.MQTTAddr()
	out, _, err := execute(t, "sim", "--mqtt-url", url, "--endpoints", "5", "--requests", "200", "--duration", "0", "-o", "json", "--fail-on", "errors>0")
	if err != nil {
		t.Fatalf("sim: %v\n%s", err, out)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	for _, key := range []string{"requests_per_sec", "p50_ms", "p99_ms", "errors"} {
		if _, ok := rep[key]; !ok {
			t.Errorf("report lacks %q: %s", key, out)
		}
	}
	// Requests to an extension that does not exist time out; --fail-on turns that into an error.
	_, _, err = execute(t, "sim", "--mqtt-url", url, "--endpoints", "2", "--requests", "4", "--duration", "0", "--ext", "nope",
		"--timeout", "300ms", "--fail-on", "errors>0")
	if !errors.Is(err, errFailOn) {
		t.Fatalf("fail-on: %v", err)
	}
	if _, _, err := execute(t, "sim", "--fail-on", "p99>>1"); err == nil || !strings.Contains(err.Error(), "p99") {
		t.Errorf("bad --fail-on accepted: %v", err)
	}
}
