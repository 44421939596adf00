// Package flagset holds what every kaactl command does with its flags beyond
// pflag: one flag definition reused by several commands (under another name
// or help text where a command says it differently), and the KAA_<FLAG>
// environment variables.
package flagset

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
)

// Reuse names a flag of a source set to add to another command, as As
// (default: the same name) with Usage (default: the source's help text).
type Reuse struct {
	Name  string
	As    string
	Usage string
}

// Copy adds the flags of src named by reuse to dst. A copied flag shares
// the source's Value, so it writes the same field and keeps the default the
// field had when it was bound. A name missing from src is a programming
// error and panics, as pflag does for a flag defined twice.
func Copy(dst, src *pflag.FlagSet, reuse ...Reuse) {
	for _, r := range reuse {
		f := src.Lookup(r.Name)
		if f == nil {
			panic(fmt.Sprintf("flagset: no flag %q to copy", r.Name))
		}
		c := *f
		if r.As != "" {
			c.Name = r.As
		}
		if r.Usage != "" {
			c.Usage = r.Usage
		}
		dst.AddFlag(&c)
	}
}

// Scratch returns a flag set to bind a service's flags into before copying
// the ones a command exposes.
func Scratch() *pflag.FlagSet { return pflag.NewFlagSet("scratch", pflag.ContinueOnError) }

// EnvName is the environment variable of a flag: KAA_ and the name in upper
// case with '-' as '_' (mqtt-addr: KAA_MQTT_ADDR).
func EnvName(flag string) string {
	return "KAA_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// ApplyEnv sets every flag of fs not given on the command line from its
// environment variable. The error names the variable and its value.
func ApplyEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || err != nil {
			return
		}
		name := EnvName(f.Name)
		if v, ok := os.LookupEnv(name); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, e)
			}
		}
	})
	return err
}
