package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kaactl/kaactl/internal/clidoc"
	"github.com/kaactl/kaactl/internal/output"
)

var update = flag.Bool("update", false, "rewrite docs/CONFIGURATION.md from the flag definitions")

const configDocHeader = `# Configuration

<!-- Generated from the flag definitions: do not edit. After adding or changing a
command or a flag, regenerate it with
    go test ./cmd/kaactl -run TestConfigurationDoc -update
-->

Every flag of every command, with its environment variable and, for the
commands that read a ` + "`--config`" + ` YAML file, its key there. A setting comes from,
in this order: the command line, the environment (` + "`KAA_<FLAG>`" + `: upper case,
` + "`-`" + ` as ` + "`_`" + `), the config file, the default. Kaa's application configuration
(` + "`kaa.applications`" + `, ` + "`kaa.extension-instances`" + `) goes in the same file under ` + "`kaa:`" + `;
` + "`kaactl up --print-config`" + ` prints the effective settings in the file's format.
Defaults shown as ` + "`~/.local/share/kaactl`" + ` are ` + "`$XDG_DATA_HOME/kaactl`" + ` when that is set.
`

// TestConfigurationDoc fails when docs/CONFIGURATION.md says other than the
// flag definitions; -update rewrites it.
func TestConfigurationDoc(t *testing.T) {
	// Defaults that depend on the machine, written the way people read them.
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "~")
	var got bytes.Buffer
	if err := clidoc.Write(&got, newRootCmd(output.New(nil, nil, nil)), configDocHeader); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "CONFIGURATION.md")
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("%s is out of date: run go test ./cmd/kaactl -run TestConfigurationDoc -update", path)
	}
}
