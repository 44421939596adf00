package cli

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/echo"
)

// echoOptions run the echo extension as a service command does.
type echoOptions struct {
	echo.Options
	ServeFlags
	apps kaaconfig.AppConfig
}

func (o *echoOptions) Use(log *slog.Logger, apps kaaconfig.AppConfig) { o.Logger, o.apps = log, apps }
func (o *echoOptions) Build() (*echo.Service, error)                  { return echo.New(o.Options) }

func echoCommand(runF func(context.Context, *echoOptions) error) (*cobra.Command, *echoOptions) {
	o := &echoOptions{Options: echo.DefaultOptions()}
	cmd := ServiceCommand(&cobra.Command{Use: "echo", SilenceErrors: true, SilenceUsage: true}, io.Discard, &LogFlags{Level: "info", Format: "text"}, o, runF,
		"YAML config file", 3*time.Second, "on shutdown, wait this long")
	return cmd, o
}

// TestServiceCommand: the command runs its service until its context ends,
// then drains it; a config file sets its flags; options the service
// refuses and settings the file gets wrong are usage errors.
func TestServiceCommand(t *testing.T) {
	ns := testenv.NATS(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd, _ := echoCommand(nil)
	cmd.SetArgs([]string{"--nats", ns.ClientURL()})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	testenv.Eventually(t, 5*time.Second, "echo connected to NATS", func() bool { return ns.NumClients() == 1 })
	cancel()
	if err := testenv.Receive(t, done, 10*time.Second, "the service did not stop"); err != nil {
		t.Fatalf("run: %v", err)
	}
	testenv.Eventually(t, 5*time.Second, "echo gone from NATS", func() bool { return ns.NumClients() == 0 })

	dir := t.TempDir()
	write := func(name, body string) string { return testenv.WriteFile(t, dir, name, body) }
	var got *echoOptions
	runF := func(_ context.Context, o *echoOptions) error { got = o; return nil }
	cmd, _ = echoCommand(runF)
	cmd.SetArgs([]string{"--config", write("ok.yaml", "instance: echo2\nkaa:\n  applications:\n    demo: {}\n")})
	if err := cmd.Execute(); err != nil || got.Instance != "echo2" || got.Logger == nil || got.DrainTimeout != 3*time.Second {
		t.Errorf("config: %v %+v", err, got)
	}
	for _, tt := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{[]string{"--instance", "a.b"}, true, "not a valid NATS subject token"},
		{[]string{"--config", write("typo.yaml", "instanse: x\n")}, true, `unknown setting "instanse"`},
		{[]string{"--config", filepath.Join(dir, "missing.yaml")}, false, "no such file"},
	} {
		cmd, _ := echoCommand(nil)
		cmd.SetArgs(tt.args)
		err := cmd.ExecuteContext(context.Background())
		if err == nil || IsUsage(err) != tt.usage || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want usage %v containing %q", tt.args, err, tt.usage, tt.want)
		}
	}
}

// TestServeFlags: --config and --drain-timeout exist where the command
// says what they do.
func TestServeFlags(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	var s ServeFlags
	s.Bind(cmd.Flags(), "", 5*time.Second, "")
	if cmd.Flags().Lookup("config") != nil || cmd.Flags().Lookup("drain-timeout") != nil || s.DrainTimeout != 5*time.Second {
		t.Errorf("flags without help: %+v", s)
	}
	cmd = &cobra.Command{Use: "y"}
	s.Bind(cmd.Flags(), "the file", 7*time.Second, "the drain")
	if f := cmd.Flags().Lookup("drain-timeout"); f == nil || f.DefValue != "7s" || cmd.Flags().Lookup("config") == nil {
		t.Errorf("flags with help: %v", f)
	}
}
