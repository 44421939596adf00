package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/completion"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/server/provider"
	"github.com/kaactl/kaactl/pkg/sim"
	"github.com/kaactl/kaactl/pkg/sim/view"
)

func newSimCmd(ios *output.IOStreams, runF func(context.Context, *sim.Config) error) *cobra.Command {
	c := &sim.Config{}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Simulate a fleet of endpoints (1/KP requests, BCX uploads, connection churn) and report rates and latency",
		Long:  sim.Help,
		Example: `  kaactl sim --endpoints 500 --duration 10s
  kaactl sim --scenario upload --endpoints 20 --blob-size 1MiB --upload-rate 2 --cleanup
  kaactl sim --url mqtts://127.0.0.1:8883 --scenario kp=90,connect=10 --rate 5
  kaactl sim --url http://127.0.0.1:8080 --requests 10000 -o json --fail-on 'p99>100ms,errors>0'
  kaactl sim --app demo --provision never     # tokens of an auto-registering demo app`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.Validate(); err != nil {
				return cli.Usage(err)
			}
			// The token as the management commands find it: the flag, else kaactl up's data dir.
			c.ReadAdminToken = func() (string, error) {
				return (&admin.Conn{Token: c.AdminToken, DataDir: c.DataDir}).AdminToken()
			}
			if runF != nil {
				return runF(cmd.Context(), c)
			}
			return view.Run(cmd.Context(), c, ios.Out, ios.ErrOut)
		},
	}
	c.BindFlags(cmd.Flags(), sim.FlagDefaults{DataDir: defaultDataDir(), ProviderURL: "http://" + provider.DefaultRESTAddr})
	for flag, values := range sim.FlagValues() {
		completion.Values(cmd, flag, values...)
	}
	cli.CompleteApps(cmd)
	return cmd
}
