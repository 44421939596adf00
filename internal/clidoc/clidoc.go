// Package clidoc writes the configuration reference of a cobra command
// tree in Markdown: every command, every flag with its environment
// variable, its key in the command's --config file and its default. It is
// generated from the flag definitions, so it cannot say other than they do.
package clidoc

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/internal/cliconfig"
	"github.com/kaactl/kaactl/internal/flagset"
)

// Write writes the reference of root and every command below it. header
// goes first, as is (the title and how to regenerate the file).
func Write(w io.Writer, root *cobra.Command, header string) error {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("\n## Global flags\n\nEvery command takes these; in a command with `--config` they are keys of its file too.\n\n")
	table(&b, root.PersistentFlags(), true)
	for _, c := range commands(root) {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", c.CommandPath(), c.Short)
		fs := ownFlags(c)
		if !fs.HasFlags() {
			b.WriteString("No flags but the global ones.\n")
			continue
		}
		withConfig := c.Flags().Lookup(cliconfig.ConfigFlag) != nil
		if withConfig {
			b.WriteString("Its `--config` file takes every flag but `--config` and `--print-config` as a top-level key, next to Kaa's `kaa:` tree.\n\n")
		}
		table(&b, fs, withConfig)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// commands lists root's commands depth first, in help order, without help
// itself and hidden ones.
func commands(root *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" {
				continue
			}
			out = append(out, sub)
			walk(sub)
		}
	}
	walk(root)
	return out
}

// ownFlags are the flags of c but the global ones and --help.
func ownFlags(c *cobra.Command) *pflag.FlagSet {
	fs := pflag.NewFlagSet(c.Name(), pflag.ContinueOnError)
	global := c.Root().PersistentFlags()
	add := func(f *pflag.Flag) {
		if f.Name != "help" && global.Lookup(f.Name) == nil && fs.Lookup(f.Name) == nil {
			fs.AddFlag(f)
		}
	}
	c.LocalFlags().VisitAll(add)
	c.InheritedFlags().VisitAll(add)
	return fs
}

// table has a config key column only for a command with --config.
func table(b *strings.Builder, fs *pflag.FlagSet, withConfig bool) {
	if withConfig {
		b.WriteString("| flag | environment | config key | default | description |\n|---|---|---|---|---|\n")
	} else {
		b.WriteString("| flag | environment | default | description |\n|---|---|---|---|\n")
	}
	fs.VisitAll(func(f *pflag.Flag) {
		name := "`--" + f.Name + "`"
		if f.Shorthand != "" {
			name = "`-" + f.Shorthand + "`, " + name
		}
		fmt.Fprintf(b, "| %s | `%s` | ", name, flagset.EnvName(f.Name))
		if withConfig {
			if cliconfig.IsKey(f.Name) {
				b.WriteString("`" + f.Name + "`")
			}
			b.WriteString(" | ")
		}
		fmt.Fprintf(b, "%s | %s |\n", defaultOf(f), cell(f.Usage))
	})
}

func defaultOf(f *pflag.Flag) string {
	switch f.DefValue {
	case "", "[]":
		return ""
	}
	return "`" + f.DefValue + "`"
}

// cell keeps text inside one Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
