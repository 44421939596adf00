package cliconfig

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

type settings struct {
	addr  string
	hosts []string
	on    bool
	max   int
}

func flags(s *settings) *pflag.FlagSet {
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.StringVar(&s.addr, "addr", ":1883", "")
	fs.StringSliceVar(&s.hosts, "hosts", nil, "")
	fs.BoolVar(&s.on, "on", false, "")
	fs.IntVar(&s.max, "max", 1, "")
	fs.String(ConfigFlag, "", "")
	fs.Bool(PrintConfigFlag, false, "")
	return fs
}

func write(t *testing.T, body string) string {
	t.Helper()
	return testenv.WriteFile(t, t.TempDir(), "c.yaml", body)
}

func TestLoad(t *testing.T) {
	var s settings
	fs := flags(&s)
	if err := fs.Parse([]string{"--addr", ":2000"}); err != nil {
		t.Fatal(err)
	}
	apps, err := Load(fs, write(t, `
addr: ":1999"
hosts: [a.example, b.example]
on: true
kaa:
  extension-instances:
    epr: {endpoint-aware: false}
`))
	if err != nil {
		t.Fatal(err)
	}
	if s.addr != ":2000" || strings.Join(s.hosts, ",") != "a.example,b.example" || !s.on || s.max != 1 {
		t.Errorf("settings %+v: the flag wins, the file fills the rest", s)
	}
	if apps.EndpointAware("epr") {
		t.Errorf("kaa section not returned: %+v", apps)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		body    string
		want    []string
		setting bool
	}{
		{"adr: x\nmax: lots\n", []string{`unknown setting "adr"`, "max"}, true},
		{"config: other.yaml\n", []string{`unknown setting "config"`}, true},
		{"print-config: true\n", []string{`unknown setting "print-config"`}, true},
		{"kaa: [\n", []string{"config"}, false},
	}
	for _, tt := range tests {
		var s settings
		_, err := Load(flags(&s), write(t, tt.body))
		if err == nil || errors.Is(err, ErrSetting) != tt.setting {
			t.Errorf("%q: err %v, ErrSetting %v", tt.body, err, tt.setting)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: %v lacks %q", tt.body, err, w)
			}
		}
	}
	var s settings
	if _, err := Load(flags(&s), filepath.Join(t.TempDir(), "missing.yaml")); err == nil || errors.Is(err, ErrSetting) {
		t.Errorf("missing file: %v", err)
	}
}

// TestPrintIsAConfigFile: what Print writes, Load reads back to the same settings.
func TestPrintIsAConfigFile(t *testing.T) {
	var s settings
	fs := flags(&s)
	if err := fs.Parse([]string{"--addr", "127.0.0.1:1", "--hosts", "x,y", "--on", "--max", "3"}); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := Print(&out, fs, kaaconfig.AppConfig{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), ConfigFlag+":") {
		t.Errorf("printed the config flag itself:\n%s", out.String())
	}
	var back settings
	if _, err := Load(flags(&back), write(t, out.String())); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if back.addr != s.addr || strings.Join(back.hosts, ",") != "x,y" || !back.on || back.max != 3 {
		t.Errorf("read back %+v from\n%s", back, out.String())
	}
}
