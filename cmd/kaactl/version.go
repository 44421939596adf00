package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set by the release build (-ldflags "-X main.version=... -X main.commit=...").
var (
	version = "dev"
	commit  = ""
)

func buildVersion() (string, string) {
	v, c := version, commit
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && c == "" {
				c = s.Value
			}
		}
	}
	return v, c
}

// versionText is what `kaactl version` and `kaactl --version` print after
// "kaactl ": the version, the commit, the platform and the Go release.
func versionText() string {
	v, c := buildVersion()
	if c != "" {
		v += " (" + c + ")"
	}
	return fmt.Sprintf("%s %s/%s %s", v, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

func newVersionCmd(io ioStreams) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the kaactl version (also: kaactl --version)",
		Example: "  kaactl version\n  kaactl --version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(io.out, "kaactl %s\n", versionText())
			return err
		},
	}
}
