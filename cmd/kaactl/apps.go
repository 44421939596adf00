package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/internal/tables"
	"github.com/kaactl/kaactl/pkg/admin"
)

func newAppsCmd(ios *output.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apps",
		Short: "Create and list applications in the credential provider",
		Example: `  kaactl apps create thermo
  kaactl apps ls -o yaml`,
	}
	m := newManageGroup(ios, cmd)
	cmd.AddCommand(newAppsCreateCmd(m, nil), newAppsLsCmd(m, nil))
	return cmd
}

// appsCreateOptions are the flags of `kaactl apps create`.
type appsCreateOptions struct {
	*cli.Manage
	name         string
	versions     []string
	autoRegister bool
}

func newAppsCreateCmd(m *cli.Manage, runF func(context.Context, *appsCreateOptions) error) *cobra.Command {
	o := &appsCreateOptions{Manage: m}
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an application",
		Long: `Create an application of --tenant. Application names and version names are
unique per deployment; without --version the application gets NAME-v1.`,
		Example: `  kaactl apps create thermo --version thermo-v1 --version thermo-v2
  kaactl apps create lab --auto-register -o json`,
		Args: cli.ExactArgs(1),
	}
	cmd.Flags().StringSliceVar(&o.versions, "version", nil, "application version name (repeatable; default NAME-v1)")
	cmd.Flags().BoolVar(&o.autoRegister, "auto-register", false, "accept unknown endpoint tokens as new endpoints")
	return cli.Leaf(cmd, o, func(args []string) error { o.name = args[0]; return nil }, cli.WithProvider(m, runAppsCreate), runF)
}

func runAppsCreate(ctx context.Context, c *admin.ProviderClient, o *appsCreateOptions) error {
	app, err := c.CreateApp(ctx, o.Tenant, o.name, o.versions, o.autoRegister)
	if err != nil {
		return err
	}
	return o.Print(app, func() error {
		return o.Say("application %s created in tenant %s (versions %s)", app.Name, app.Tenant, strings.Join(app.Versions, ", "))
	})
}

// appsLsOptions are the flags of `kaactl apps ls`.
type appsLsOptions struct{ *cli.Manage }

func newAppsLsCmd(m *cli.Manage, runF func(context.Context, *appsLsOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List the applications of --tenant",
		Example: `  kaactl apps ls
  kaactl apps ls --tenant acme -o json`,
		Args: cli.ExactArgs(0),
	}
	return cli.Leaf(cmd, &appsLsOptions{m}, nil, cli.WithProvider(m, runAppsLs), runF)
}

func runAppsLs(ctx context.Context, c *admin.ProviderClient, o *appsLsOptions) error {
	apps, err := c.ListApps(ctx, o.Tenant)
	if err != nil {
		return err
	}
	return tables.Apps().List(o.Printer, apps)
}
