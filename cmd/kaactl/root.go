package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/flagset"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/server/provider"
)

// newRootCmd is the command tree on ios.
func newRootCmd(ios *output.IOStreams) *cobra.Command {
	logs := &cli.LogFlags{}
	root := &cobra.Command{
		Use:   "kaactl",
		Short: "Kaa Protocol edge (KPC), blob extension (BCX) and tools, in one binary",
		Long: `kaactl re-implements the Kaa IoT platform's device edge (KPC: 1/KP over MQTT
and HTTP, relayed to extensions over NATS) and the tools around it.

Every flag can also be set from the environment as KAA_<FLAG>, e.g.
KAA_NATS=nats://10.0.0.5:4222 or KAA_MQTT_ADDR=:1884; flags win over env.`,
		Example: `  # The whole platform on this machine, then a fleet of simulated devices against it
  kaactl up
  kaactl sim --endpoints 500 --duration 10s

  # One service against your own NATS
  kaactl serve kpc --nats nats://nats.example:4222`,
		Version:       cli.Version(version, commit),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return cli.Usage(flagset.ApplyEnv(cmd.Flags()))
		},
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return cli.Usage(err) })
	root.SetVersionTemplate("kaactl {{.Version}}\n")
	logs.BindFlags(root.PersistentFlags())
	root.AddCommand(newVersionCmd(ios), newServeCmd(ios, logs), newUpCmd(ios, logs), newSimCmd(ios, nil), newAppsCmd(ios), newEndpointsCmd(ios),
		newCredentialsCmd(ios), newTenantsCmd(ios), newBlobsCmd(ios), newSessionsCmd(ios), newCertCmd(ios))
	addCompletionExample(root)
	return root
}

// addCompletionExample adds cobra's completion command now (Execute would
// later) to give it examples.
func addCompletionExample(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Example = `  source <(kaactl completion bash)
  kaactl completion zsh > "${fpath[1]}/_kaactl"
  kaactl completion fish > ~/.config/fish/completions/kaactl.fish`
		}
	}
}

// defaultDataDir is kaactl up's data dir, where the admin token lives.
func defaultDataDir() string { return platform.DefaultDataDir() }

// newManageGroup makes cmd a management group, reaching kaactl up's APIs
// unless its flags say otherwise.
func newManageGroup(ios *output.IOStreams, cmd *cobra.Command) *cli.Manage {
	return cli.ManageGroup(cmd, ios, admin.Conn{ProviderURL: "http://" + provider.DefaultRESTAddr, BCXURL: "http://127.0.0.1:8090", DataDir: defaultDataDir(), Tenant: "kaa"})
}

// Set by the release build (-ldflags "-X main.version=... -X main.commit=...").
var (
	version = "dev"
	commit  = ""
)

func newVersionCmd(ios *output.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the kaactl version (also: kaactl --version)",
		Example: "  kaactl version\n  kaactl --version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(ios.Out, "kaactl %s\n", cli.Version(version, commit))
			return err
		},
	}
}
