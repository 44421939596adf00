package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
)

type appOptions struct {
	*Manage
	app  string
	apps []string
}

// TestManageGroup: the group's flags reach its commands' options; the
// provider client is made when the command runs, with the token of the
// data dir, and not at all when the flags are wrong.
func TestManageGroup(t *testing.T) {
	p := platformtest.Start(t)
	run := func(args ...string) (*appOptions, string, error) {
		var out bytes.Buffer
		group := &cobra.Command{Use: "apps", SilenceErrors: true, SilenceUsage: true}
		m := ManageGroup(group, output.New(nil, &out, &out), admin.Conn{ProviderURL: "http://" + p.Provider().RESTAddr(), DataDir: p.DataDir(), Tenant: "kaa"})
		o := &appOptions{Manage: m}
		ls := &cobra.Command{Use: "ls"}
		RequireApp(ls, &o.app)
		group.AddCommand(Leaf(ls, o, func([]string) error { return NeedFlag("app", o.app) },
			WithProvider(m, func(ctx context.Context, c *admin.ProviderClient, o *appOptions) error {
				apps, err := c.ListApps(ctx, o.Tenant)
				for _, a := range apps {
					o.apps = append(o.apps, a.Name)
				}
				return err
			}), nil))
		group.SetOut(&out)
		group.SetArgs(args)
		err := group.Execute()
		return o, out.String(), err
	}
	o, _, err := run("ls", "--app", "demo", "-o", "json")
	if err != nil || strings.Join(o.apps, ",") != "demo" || o.Format != output.FormatJSON || o.CalledURL() != o.ProviderURL {
		t.Errorf("ls: %v, apps %v, format %s, called %q", err, o.apps, o.Format, o.CalledURL())
	}
	if o, _, err := run("ls"); !IsUsage(err) || o.CalledURL() != "" {
		t.Errorf("without --app: %v, called %q", err, o.CalledURL())
	}
	if _, _, err := run("ls", "--app", "demo", "--admin-token", "wrong"); err == nil || !strings.Contains(err.Error(), "refused the admin token") {
		t.Errorf("wrong token: %v", err)
	}
	if _, help, err := run(); err != nil || !strings.Contains(help, "--provider-url string") || !strings.Contains(help, p.Provider().RESTAddr()) {
		t.Errorf("help: %v\n%s", err, help)
	}
}
