package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/flagset"
	"github.com/kaactl/kaactl/pkg/platform"
)

// ioStreams is where a command reads and writes; tests pass buffers.
type ioStreams struct {
	in       io.Reader
	out, err io.Writer
}

// usageError marks errors in how a command was called (exit code 2).
type usageError struct{ error }

// globalOptions are the flags every command shares.
type globalOptions struct {
	logLevel  string
	logFormat string
}

func newRootCmd(io ioStreams) *cobra.Command {
	g := &globalOptions{}
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
		Version:       versionText(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := flagset.ApplyEnv(cmd.Flags()); err != nil {
				return usageError{err}
			}
			return nil
		},
	}
	root.SetIn(io.in)
	root.SetOut(io.out)
	root.SetErr(io.err)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.SetVersionTemplate("kaactl {{.Version}}\n")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	root.AddCommand(newVersionCmd(io), newServeCmd(io, g), newUpCmd(io, g), newSimCmd(io, nil), newAppsCmd(io), newEndpointsCmd(io), newCredentialsCmd(io), newTenantsCmd(io), newBlobsCmd(io), newSessionsCmd(io), newCertCmd(io))
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

func (g *globalOptions) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel)}
	}
	hopts := &slog.HandlerOptions{Level: lvl}
	switch g.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, hopts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, hopts)), nil
	default:
		return nil, usageError{fmt.Errorf("--log-format %q: want text or json", g.logFormat)}
	}
}
