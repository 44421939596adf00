package main

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

// loadConfigFile applies a YAML config file to a command's flags: every
// top-level key is a flag name with its value ("mqtt-addr: :1884"), except
// "kaa", Kaa's application configuration. Flags given on the command line or
// through KAA_* env win over the file. Unknown keys are errors, so a typo
// does not pass silently.
func loadConfigFile(fs *pflag.FlagSet, path string) (kaaconfig.AppConfig, error) {
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
		if f == nil || key == "config" || key == "print-config" {
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
		return kaaconfig.AppConfig{}, usageError{err}
	}
	apps, err := kaaconfig.Parse(data)
	if err != nil {
		return kaaconfig.AppConfig{}, fmt.Errorf("config %s: %w", path, err)
	}
	return apps, nil
}

// printConfig writes the effective settings in the config file's format.
func printConfig(w io.Writer, fs *pflag.FlagSet, apps kaaconfig.AppConfig) error {
	settings := map[string]any{}
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		switch f.Name {
		case "config", "print-config", "help":
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
