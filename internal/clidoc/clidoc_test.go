package clidoc

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestWrite(t *testing.T) {
	root := &cobra.Command{Use: "tool"}
	root.PersistentFlags().String("log-level", "info", "log level")
	run := &cobra.Command{Use: "run", Short: "Run it", RunE: func(*cobra.Command, []string) error { return nil }}
	run.Flags().String("listen-addr", ":80", "listen | address")
	run.Flags().String("config", "", "config file")
	group := &cobra.Command{Use: "admin", Short: "Administer"}
	group.PersistentFlags().String("token", "", "admin token")
	ls := &cobra.Command{Use: "ls", Short: "List", RunE: func(*cobra.Command, []string) error { return nil }}
	ls.Flags().StringSlice("tag", nil, "only these tags")
	group.AddCommand(ls)
	bare := &cobra.Command{Use: "version", Short: "Version", RunE: func(*cobra.Command, []string) error { return nil }}
	root.AddCommand(run, group, bare)

	var b strings.Builder
	if err := Write(&b, root, "# Reference\n"); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	for _, want := range []string{
		"# Reference\n",
		"| `--log-level` | `KAA_LOG_LEVEL` | `log-level` | `info` | log level |",
		"## tool run\n\nRun it\n",
		"| `--listen-addr` | `KAA_LISTEN_ADDR` | `listen-addr` | `:80` | listen \\| address |", // a command with --config
		"| `--config` | `KAA_CONFIG` |  |  | config file |",                                    // not a key of itself
		"## tool admin ls\n",
		"| `--tag` | `KAA_TAG` |  | only these tags |", // no config column, no "[]" default
		"| `--token` | `KAA_TOKEN` |  | admin token |", // inherited from its group
		"## tool version\n\nVersion\n\nNo flags but the global ones.\n",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("doc lacks %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "--help") {
		t.Errorf("doc lists --help:\n%s", doc)
	}
}
