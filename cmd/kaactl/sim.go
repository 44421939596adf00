package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/server/provider"
	"github.com/kaactl/kaactl/pkg/sim"
	"github.com/kaactl/kaactl/pkg/sim/view"
)

// errFailOn marks a run whose report breaks a --fail-on condition.
var errFailOn = errors.New("fail-on conditions not met")

func newSimCmd(io ioStreams, runF func(context.Context, *sim.Config) error) *cobra.Command {
	c := &sim.Config{}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Simulate a fleet of endpoints (1/KP requests, BCX uploads, connection churn) and report rates and latency",
		Long: `Simulate --endpoints devices, one connection each, against KPC and BCX.
Defaults match kaactl up, so against a running kaactl up this just works:

  kaactl sim --endpoints 500 --duration 10s

Transport: the scheme of --url: tcp:// or mqtt:// (MQTT), mqtts:// ssl:// tls://
(MQTT over TLS), ws:// wss:// (MQTT over WebSocket, e.g. ws://127.0.0.1:8081/ws),
http:// https:// (1/KP over HTTP, e.g. http://127.0.0.1:8080). TLS trusts --ca,
or else the certificate KPC serves at <--kpc-rest-url>/api/v1/cert.

Scenarios (--scenario, or a weighted mix such as kp=80,upload=15,connect=5):
  kp       requests kp1/<app>/<ext>/<token>/<resource>/<id> and times the replies
           (--rate per endpoint, or closed loop: next request on reply)
  upload   fetches a BCX upload token over 1/KP (again when BCX answers 403),
           uploads --blob-size blobs to --bcx-url at --upload-rate per endpoint
  connect  holds each connection for --hold, disconnects and connects again

Endpoint tokens come from --tokens-file (one per line, or CSV with the token in
the first column), or --token-pattern. --username/--password (patterns, %d is the
endpoint number) send MQTT basic credentials; --cert/--key present a client
certificate, --x509 a certificate of each endpoint's own (derived from its
token). --provision registers tokens (and credentials) through the
provider API first (auto: when an admin token is at hand, as with kaactl up,
and the KPC is on this machine or --provider-url is given).

On a terminal a live dashboard shows progress (q or Ctrl-C stops the run and
still prints the report); otherwise a progress line goes to stderr. The
report (table, or -o json) has connects/s, requests/s, p50/p90/p99/max latency
from a histogram, errors by kind, uploads and MB/s, and the simulator's own
CPU per operation, so you can tell when the simulator is the bottleneck.
--fail-on 'p99>200ms,errors>0.1%' exits 1 when a condition holds.`,
		Example: `  kaactl sim --endpoints 500 --duration 10s
  kaactl sim --scenario upload --endpoints 20 --blob-size 1MiB --upload-rate 2
  kaactl sim --url mqtts://127.0.0.1:8883 --scenario kp=90,connect=10 --rate 5
  kaactl sim --url http://127.0.0.1:8080 --requests 10000 -o json --fail-on 'p99>100ms,errors>0'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.Validate(); err != nil {
				return usageError{err}
			}
			// The token as the management commands find it: the flag, else kaactl up's data dir.
			c.ReadAdminToken = func() (string, error) {
				return (&connOptions{token: c.AdminToken, dataDir: c.DataDir}).adminToken()
			}
			if runF != nil {
				return runF(cmd.Context(), c)
			}
			return runSim(cmd.Context(), io, c)
		},
	}
	c.BindFlags(cmd.Flags(), sim.FlagDefaults{DataDir: defaultDataDir(), ProviderURL: "http://" + provider.DefaultRESTAddr})
	return cmd
}

// runSim prepares the run, shows it (dashboard or progress line), prints the
// report and turns broken --fail-on conditions into errFailOn (exit 1).
func runSim(ctx context.Context, io ioStreams, c *sim.Config) error {
	o, err := c.Prepare(ctx, io.err)
	if err != nil {
		return apiError(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f, _ := io.err.(*os.File)
	v := view.New(io.err, !c.NoDashboard && view.IsTerminal(f), cancel)
	rep, err := sim.Run(ctx, o, v.Update)
	v.Close()
	if err != nil {
		return err
	}
	if c.Output == "json" {
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
	if failed := c.Failed(rep); len(failed) > 0 {
		return fmt.Errorf("%w: %s", errFailOn, strings.Join(failed, ", "))
	}
	return nil
}
