package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaactl/kaactl/internal/testenv"
)

func TestUpConfigPrecedence(t *testing.T) {
	cfg := testenv.WriteFile(t, t.TempDir(), "kaactl.yaml", `
mqtt-addr: "127.0.0.1:1999"
http-addr: ":7000"
bcx-addr: ":7001"
auto-register: true
kaa:
  applications:
    demo:
      versions:
        demo-v1: {allowed-extension-instances: [echo, bcx]}
`)
	t.Setenv("KAA_HTTP_ADDR", ":9999")
	out, _, err := execute(t, "up", "--config", cfg, "--bcx-addr", ":7777", "--print-config")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"mqtt-addr: 127.0.0.1:1999", // file
		"http-addr: :9999",          // env over file
		"bcx-addr: :7777",           // flag over file
		"auto-register: true",
		"rest-addr: :8008", // default
		"allowed-extension-instances:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--print-config lacks %q:\n%s", want, out)
		}
	}
}

func TestUpConfigErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, body, want string
		code             int
	}{
		{"typo.yaml", "mqtt-adr: x\n", `unknown setting "mqtt-adr"`, 2},
		{"badvalue.yaml", "auto-register: maybe\n", "auto-register", 2},
		{"broken.yaml", "kaa: [\n", "config", 1},
	}
	for _, tt := range tests {
		_, _, err := execute(t, "up", "--config", testenv.WriteFile(t, dir, tt.name, tt.body), "--print-config")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
		if code := run([]string{"up", "--config", filepath.Join(dir, tt.name), "--print-config"}); code != tt.code {
			t.Errorf("%s: exit %d, want %d", tt.name, code, tt.code)
		}
	}
}
