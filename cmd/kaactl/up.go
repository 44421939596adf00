package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/cliconfig"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/platform"
)

// upOptions are the flags of `kaactl up`.
type upOptions struct {
	platform.Options
	cli.ServeFlags
	printConfig bool
	reset, yes  bool
	// ready, when set, is called once everything listens (tests use it).
	ready func(*platform.Platform)
}

func newUpCmd(ios *output.IOStreams, logs *cli.LogFlags) *cobra.Command {
	o := &upOptions{Options: platform.DefaultOptions()}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run the platform on this machine: NATS, KPC, BCX, a credential provider and a demo extension",
		Long: `Run everything on one machine in one command, for laptops and CI jobs:
an embedded NATS server (other tools and extensions can attach to it), a KPC
replica (MQTT, KP over HTTP), BCX with blobs on disk, the credential provider
(endpoint tokens, in the data dir) answering as Kaa's "cm" and "ccm", and the
"echo" demo extension; Kaa's cloud URLs on one HTTPS origin (--https-addr).

On first start it creates tenant "kaa" with application "demo" (version
"demo-v1") and an admin token for the management APIs (<data-dir>/admin.token,
mode 0600). --auto-register makes the demo application accept any endpoint
token, on this start: without it unknown tokens are refused again. KPC knows
the applications of the provider (kaactl apps create adds one while up runs);
other application versions in topics get 404. Ctrl-C drains and exits; a
restart keeps endpoints and blobs, --reset starts over (it keeps the admin
token and the TLS certificate).`,
		Example: `  kaactl up
  kaactl up --data-dir /tmp/kaa --auto-register
  kaactl up --reset --yes
  kaactl up --s3-endpoint http://127.0.0.1:7070 --s3-path-style --s3-bucket kaa-bcx
  kaactl up --config kaactl.yaml --print-config`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if o.Logger, o.KPC.Apps, err = o.Setup(cmd, ios.ErrOut, logs); err != nil {
				return err
			}
			if o.printConfig {
				return cliconfig.Print(ios.Out, cmd.Flags(), o.KPC.Apps)
			}
			return runUp(cmd.Context(), ios, o)
		},
	}
	f := cmd.Flags()
	o.BindFlags(f)
	o.Bind(f, "YAML config file: any flag of this command as a top-level key, plus Kaa's kaa.applications and kaa.tenants",
		15*time.Second, "on shutdown, wait this long for in-flight requests and uploads")
	f.BoolVar(&o.printConfig, cliconfig.PrintConfigFlag, false, "print the effective configuration (flags, KAA_* env, config file, defaults) and exit")
	f.BoolVar(&o.reset, "reset", false, "start over: delete "+platform.ResetWhat+" in the data dir first (asks unless --yes)")
	f.BoolVar(&o.yes, "yes", false, "do not ask before --reset")
	return cmd
}

func runUp(ctx context.Context, ios *output.IOStreams, o *upOptions) error {
	if o.reset {
		if err := cli.Confirm(ios, o.yes, "--reset deletes "+platform.ResetWhat+" in "+o.DataDir); err != nil {
			return err
		}
		if err := platform.Reset(o.DataDir); err != nil {
			return err
		}
	}
	return cli.RunService(ctx, func() (*platform.Platform, error) { return platform.New(o.Options) }, o.DrainTimeout, func(p *platform.Platform) {
		if err := p.WriteBanner(ios.Out); err != nil && o.Logger != nil {
			o.Logger.Warn("banner", "error", err)
		}
		if o.ready != nil {
			o.ready(p)
		}
	})
}
