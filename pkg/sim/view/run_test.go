package view_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/pkg/platform/platformtest"
	"github.com/kaactl/kaactl/pkg/sim"
	"github.com/kaactl/kaactl/pkg/sim/view"
)

// TestRun: a run against the platform provisions its endpoints, prints the
// report, and cleans up; a failed run's report is printed and it cleans up
// too.
func TestRun(t *testing.T) {
	p := platformtest.Start(t)
	config := func(args ...string) *sim.Config {
		c := &sim.Config{}
		fs := pflag.NewFlagSet("sim", pflag.ContinueOnError)
		c.BindFlags(fs, sim.FlagDefaults{DataDir: p.DataDir(), ProviderURL: "http://" + p.Provider().RESTAddr()})
		base := []string{"--url", "tcp://" + p.KPC().MQTTAddr(), "--admin-token", p.AdminToken(), "--endpoints", "2", "--requests", "10",
			"--duration", "0", "-o", "json", "--cleanup"}
		if err := fs.Parse(append(base, args...)); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name string
		args []string
		err  error
		ok   float64
	}{
		{"passes", []string{"--fail-on", "errors>0"}, nil, 10},
		{"fails", []string{"--ext", "nobody", "--fail-on", "errors>0"}, sim.ErrRunFailed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := view.Run(context.Background(), config(tt.args...), &out, &errOut)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v\n%s", err, tt.err, errOut.String())
			}
			var rep map[string]any
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep["ok"] != tt.ok {
				t.Errorf("report %v %v:\n%s", rep["ok"], err, out.String())
			}
			if s := errOut.String(); !strings.Contains(s, "provisioned 2 endpoints") || !strings.Contains(s, "cleanup: deleted 2 endpoints") {
				t.Errorf("stderr:\n%s", s)
			}
		})
	}
}
