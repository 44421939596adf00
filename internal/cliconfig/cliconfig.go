// Package cliconfig is the --config file of the kaactl commands that run
// services: a YAML file whose top-level keys are the command's flag names
// ("mqtt-addr: :1884", lists for repeatable flags), plus Kaa's own "kaa:"
// tree of applications. A file is one more source of flag values, below the
// command line and KAA_* env, so it fills the same Options fields.
package cliconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

// Flags that are about the file itself, never settings in it.
const (
	ConfigFlag      = "config"
	PrintConfigFlag = "print-config"
)

// ErrSetting is matched (errors.Is) by Load's errors about a key or a value
// of the file, as opposed to a file that cannot be read or parsed.
var ErrSetting = errors.New("bad setting")

// settingErrors are one or more ErrSetting problems, reported together.
type settingErrors struct{ error }

func (settingErrors) Is(target error) bool { return target == ErrSetting }

// Load applies the file at path to fs: every top-level key is a flag name
// with its value, except "kaa", Kaa's application configuration, which it
// returns. Flags already given on the command line or through KAA_* env
// keep their value. Unknown keys and bad values are ErrSetting errors, all
// of them at once, so a typo does not pass silently.
func Load(fs *pflag.FlagSet, path string) (kaaconfig.AppConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return kaaconfig.AppConfig{}, fmt.Errorf("config: %w", err)
	}
	var top map[string]yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&top); err != nil && !errors.Is(err, io.EOF) {
		return kaaconfig.AppConfig{}, fmt.Errorf("config %s: %w", path, err)
	}
	var errs []error
	for key, node := range top {
		if key == "kaa" {
			continue
		}
		f := fs.Lookup(key)
		if f == nil || !IsKey(key) {
			errs = append(errs, fmt.Errorf("config %s: unknown setting %q", path, key))
			continue
		}
		if f.Changed {
			continue
		}
		var values []string
		if node.Kind == yaml.SequenceNode {
			if err := node.Decode(&values); err != nil {
				errs = append(errs, fmt.Errorf("config %s: %s: %w", path, key, err))
				continue
			}
		} else {
			values = []string{node.Value}
		}
		for _, v := range values {
			if err := fs.Set(key, v); err != nil {
				errs = append(errs, fmt.Errorf("config %s: %s: %w", path, key, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return kaaconfig.AppConfig{}, settingErrors{err}
	}
	apps, err := kaaconfig.Parse(data)
	if err != nil {
		return kaaconfig.AppConfig{}, fmt.Errorf("config %s: %w", path, err)
	}
	return apps, nil
}

// Print writes the effective settings of fs and apps in the file's format,
// so that the output is a config file.
func Print(w io.Writer, fs *pflag.FlagSet, apps kaaconfig.AppConfig) error {
	settings := map[string]any{}
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !IsKey(f.Name) {
			return
		}
		names = append(names, f.Name)
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			settings[f.Name] = sv.GetSlice()
			return
		}
		if f.Value.Type() == "bool" {
			settings[f.Name] = f.Value.String() == "true"
			return
		}
		settings[f.Name] = f.Value.String()
	})
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# effective configuration (flags > KAA_* env > config file > defaults)\n")
	for _, n := range names {
		out, err := yaml.Marshal(map[string]any{n: settings[n]})
		if err != nil {
			return err
		}
		b.Write(out)
	}
	if len(apps.Applications) > 0 || len(apps.ExtensionInstances) > 0 {
		out, err := yaml.Marshal(map[string]any{"kaa": apps})
		if err != nil {
			return err
		}
		b.Write(out)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// IsKey reports whether a flag is a setting of the file.
func IsKey(flag string) bool {
	switch flag {
	case ConfigFlag, PrintConfigFlag, "help":
		return false
	}
	return true
}
