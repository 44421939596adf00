package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/server/provider"
)

func newAppsCmd(io ioStreams) *cobra.Command {
	conn := &connOptions{}
	cmd := &cobra.Command{
		Use:   "apps",
		Short: "Create and list applications in the credential provider",
		RunE:  groupRunE,
	}
	conn.bind(cmd.PersistentFlags())
	cmd.AddCommand(newAppsCreateCmd(io, conn, nil), newAppsLsCmd(io, conn, nil))
	return cmd
}

// appsCreateOptions are the flags of `kaactl apps create`.
type appsCreateOptions struct {
	conn         *connOptions
	name         string
	versions     []string
	autoRegister bool
}

func newAppsCreateCmd(io ioStreams, conn *connOptions, runF func(context.Context, *appsCreateOptions) error) *cobra.Command {
	o := &appsCreateOptions{conn: conn}
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an application",
		Long: `Create an application of --tenant. Application names and version names are
unique per deployment; without --version the application gets NAME-v1.`,
		Example: `  kaactl apps create thermo --version thermo-v1 --version thermo-v2`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.name = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runAppsCreate(cmd.Context(), io, o)
		},
	}
	cmd.Flags().StringSliceVar(&o.versions, "version", nil, "application version name (repeatable; default NAME-v1)")
	cmd.Flags().BoolVar(&o.autoRegister, "auto-register", false, "accept unknown endpoint tokens as new endpoints")
	return cmd
}

func runAppsCreate(ctx context.Context, io ioStreams, o *appsCreateOptions) error {
	c, err := o.conn.provider()
	if err != nil {
		return err
	}
	app, err := c.CreateApp(ctx, o.conn.tenant, o.name, o.versions, o.autoRegister)
	if err != nil {
		return apiError(err)
	}
	if o.conn.json() {
		return printJSON(io.out, app)
	}
	_, err = fmt.Fprintf(io.out, "application %s created in tenant %s (versions %s)\n", app.Name, app.Tenant, strings.Join(app.Versions, ", "))
	return err
}

// appsLsOptions are the flags of `kaactl apps ls`.
type appsLsOptions struct{ conn *connOptions }

func newAppsLsCmd(io ioStreams, conn *connOptions, runF func(context.Context, *appsLsOptions) error) *cobra.Command {
	o := &appsLsOptions{conn: conn}
	return &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List the applications of --tenant",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runAppsLs(cmd.Context(), io, o)
		},
	}
}

func runAppsLs(ctx context.Context, io ioStreams, o *appsLsOptions) error {
	c, err := o.conn.provider()
	if err != nil {
		return err
	}
	apps, err := c.ListApps(ctx, o.conn.tenant)
	if err != nil {
		return apiError(err)
	}
	if o.conn.json() {
		if apps == nil {
			apps = []provider.App{}
		}
		return printJSON(io.out, apps)
	}
	t := newTable(io.out, "NAME", "VERSIONS", "AUTO-REGISTER", "CREATED")
	for _, a := range apps {
		t.row(a.Name, strings.Join(a.Versions, ","), a.AutoRegister, ts(a.CreatedAt))
	}
	return t.flush()
}

// exactArgs is cobra.ExactArgs as a usage error (exit code 2).
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
