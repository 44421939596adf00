package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return applyEnv(cmd.Flags())
		},
	}
	root.SetIn(io.in)
	root.SetOut(io.out)
	root.SetErr(io.err)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	root.AddCommand(newVersionCmd(io), newServeCmd(io, g), newUpCmd(io, g), newSimCmd(io, nil), newAppsCmd(io), newEndpointsCmd(io), newCredentialsCmd(io), newBlobsCmd(io))
	return root
}

// applyEnv sets every flag not given on the command line from KAA_<NAME>.
func applyEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || err != nil {
			return
		}
		name := "KAA_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = usageError{fmt.Errorf("%s=%q: %w", name, v, e)}
			}
		}
	})
	return err
}

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
