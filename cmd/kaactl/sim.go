package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/sim"
)

type simOptions struct {
	sim.Options
	tokenPattern string
	output       string
	failOn       string
}

// errFailOn marks a run whose report breaks a --fail-on condition.
var errFailOn = errors.New("fail-on conditions not met")

func newSimCmd(io ioStreams, runF func(context.Context, *simOptions) error) *cobra.Command {
	o := &simOptions{}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Simulate a fleet of endpoints sending 1/KP requests over MQTT, and report rates and latency",
		Long: `Simulate --endpoints devices, one MQTT connection each, sending 1/KP requests
kp1/<app>/<ext>/<token>/<resource>/<id> and timing the replies KPC writes to
<topic>/status. Defaults match kaactl up (with --auto-register, every token
is accepted in demo-v1).

The report (table, or -o json for scripts) has connects/s, requests/s,
p50/p90/p99/max latency from a histogram, errors by kind (status_<code>,
timeout, disconnected, connect) and the simulator's own CPU per request, so
you can tell when the simulator, not the server, is the bottleneck.
--fail-on 'p99>200ms,errors>0.1%' exits 1 when a condition holds.
Ctrl-C stops the run and still prints the report.

Not yet: the upload and connect scenarios, mqtts/ws/http transports, and the
live dashboard (a progress line goes to stderr).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.output != "table" && o.output != "json" {
				return usageError{fmt.Errorf("-o %q: want table or json", o.output)}
			}
			if !strings.Contains(o.tokenPattern, "%d") {
				return usageError{fmt.Errorf("--token-pattern %q: needs a %%d for the endpoint number", o.tokenPattern)}
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runSim(cmd.Context(), io, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.MQTTURL, "mqtt-url", "tcp://127.0.0.1:1883", "KPC MQTT address")
	f.IntVar(&o.Endpoints, "endpoints", 10, "simulated endpoints (one MQTT connection each)")
	f.StringVar(&o.tokenPattern, "token-pattern", "sim-%d", "endpoint token of endpoint n (fmt pattern)")
	f.StringVar(&o.AppVersion, "app", "demo-v1", "application version in topics")
	f.StringVar(&o.Extension, "ext", "echo", "extension instance in topics")
	f.StringVar(&o.Resource, "resource", "ping", "resource path in topics")
	f.Uint8Var(&o.QoS, "qos", 1, "QoS of requests (0 or 1)")
	f.IntVar(&o.PayloadSize, "payload-size", 256, "request payload bytes")
	f.Float64Var(&o.ConnectRate, "connect-rate", 0, "connections per second during the ramp (0: all at once)")
	f.Float64Var(&o.Rate, "rate", 0, "requests per second per endpoint (0: closed loop, next request on reply)")
	f.DurationVar(&o.Duration, "duration", 10*time.Second, "run length after the ramp")
	f.IntVar(&o.Requests, "requests", 0, "stop after this many requests (0: run for --duration)")
	f.DurationVar(&o.Timeout, "timeout", 5*time.Second, "reply deadline per request")
	f.StringVarP(&o.output, "output", "o", "table", "report format: table or json")
	f.StringVar(&o.failOn, "fail-on", "", `exit 1 when the report breaks these, e.g. "p99>200ms,errors>0.1%"`)
	return cmd
}

func runSim(ctx context.Context, io ioStreams, o *simOptions) error {
	var failOn sim.FailOn
	if o.failOn != "" {
		var err error
		if failOn, err = sim.ParseFailOn(o.failOn); err != nil {
			return usageError{err}
		}
	}
	pattern := o.tokenPattern
	o.Tokens = func(i int) string { return fmt.Sprintf(pattern, i) }
	last := time.Time{}
	rep, err := sim.Run(ctx, o.Options, func(s sim.Snapshot) {
		if time.Since(last) < time.Second {
			return
		}
		last = time.Now()
		fmt.Fprintf(io.err, "\r%6.1fs  connected %d  sent %d  ok %d  errors %d ", s.Elapsed.Seconds(), s.Connected, s.Sent, s.OK, s.Errors)
	})
	fmt.Fprintln(io.err)
	if err != nil {
		return err
	}
	if o.output == "json" {
		b, err := rep.JSON()
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(io.out, "%s\n", b); err != nil {
			return err
		}
	} else if err := rep.WriteTable(io.out); err != nil {
		return err
	}
	if failed := failOn.Check(rep); len(failed) > 0 {
		return fmt.Errorf("%w: %s", errFailOn, strings.Join(failed, ", "))
	}
	return nil
}
