package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/internal/tables"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/api"
)

func newEndpointsCmd(ios *output.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "endpoints",
		Aliases: []string{"ep"},
		Short:   "Create, list, suspend, activate, revoke and delete endpoints (devices) and their tokens",
		Example: `  kaactl endpoints create --app demo --name kitchen-sensor
  kaactl endpoints ls --app demo
  kaactl endpoints suspend --app demo <endpointId>
  kaactl endpoints rm --app sim --all --yes`,
	}
	m := newManageGroup(ios, cmd)
	cmd.AddCommand(newEndpointsCreateCmd(m, nil), newEndpointsLsCmd(m, nil), newEndpointsRmCmd(m, nil))
	for _, st := range []struct {
		verb, short string
		status      api.Status
	}{
		{"revoke", "Revoke an endpoint for good: its token stops working", api.StatusRevoked},
		{"suspend", "Suspend an endpoint: its token stops working until activated", api.StatusSuspended},
		{"activate", "Re-activate a suspended endpoint", api.StatusActive},
	} {
		cmd.AddCommand(newEndpointsStatusCmd(m, st.verb, st.short, st.status, nil))
	}
	return cmd
}

// endpointsCreateOptions are the flags of `kaactl endpoints create`.
type endpointsCreateOptions struct {
	*cli.Manage
	app           string
	endpointToken string
	name          string
	tokenOnly     bool
}

func newEndpointsCreateCmd(m *cli.Manage, runF func(context.Context, *endpointsCreateOptions) error) *cobra.Command {
	o := &endpointsCreateOptions{Manage: m}
	cmd := &cobra.Command{
		Use:   "create --app APP",
		Short: "Create an endpoint and print its token (shown only once)",
		Long: `Create an endpoint of application --app. The provider generates the endpoint
token unless --endpoint-token is given. The token is printed once and never
stored in clear: save it now. (--token is the admin token of every management
command.)`,
		Example: `  kaactl endpoints create --app demo --name kitchen-sensor
  TOKEN=$(kaactl endpoints create --app demo --token-only)
  kaactl endpoints create --app demo -o json | jq -r .token`,
		Args: cli.ExactArgs(0),
	}
	cli.RequireApp(cmd, &o.app)
	cmd.Flags().StringVar(&o.endpointToken, "endpoint-token", "", "endpoint token to register (default: generated)")
	cmd.Flags().StringVar(&o.name, "name", "", "endpoint name (metadata)")
	cmd.Flags().BoolVar(&o.tokenOnly, "token-only", false, "print only the endpoint token, for TOKEN=$(...)")
	return cli.Leaf(cmd, o, func([]string) error { return cli.NeedFlag("app", o.app) }, cli.WithProvider(m, runEndpointsCreate), runF)
}

func runEndpointsCreate(ctx context.Context, c *admin.ProviderClient, o *endpointsCreateOptions) error {
	ep, token, err := c.CreateEndpointWith(ctx, o.Tenant, o.app, api.EndpointSpec{Token: o.endpointToken, Name: o.name})
	if err != nil {
		return err
	}
	if o.tokenOnly {
		return o.Say("%s", token)
	}
	created := api.CreatedEndpoint{Endpoint: ep, Token: token}
	if err := tables.CreatedEndpoint().Print(o.Printer, created, created); err != nil {
		return err
	}
	return o.Note("Save the endpoint token now: it is not shown again.")
}

// endpointsLsOptions are the flags of `kaactl endpoints ls`.
type endpointsLsOptions struct {
	*cli.Manage
	app   string
	limit int
	all   bool
}

func newEndpointsLsCmd(m *cli.Manage, runF func(context.Context, *endpointsLsOptions) error) *cobra.Command {
	o := &endpointsLsOptions{Manage: m}
	cmd := &cobra.Command{
		Use:     "ls --app APP",
		Aliases: []string{"list"},
		Short:   "List the endpoints of an application, oldest first (never their tokens)",
		Example: `  kaactl endpoints ls --app demo
  kaactl endpoints ls --app sim --limit 10
  kaactl endpoints ls --app demo --all -o json | jq -r '.[] | select(.status == "suspended") | .endpointId'`,
		Args: cli.ExactArgs(0),
	}
	cli.RequireApp(cmd, &o.app)
	cmd.Flags().IntVar(&o.limit, "limit", 100, "list at most this many endpoints")
	cmd.Flags().BoolVar(&o.all, "all", false, "list every endpoint (overrides --limit)")
	return cli.Leaf(cmd, o, func([]string) error {
		if o.limit < 1 && !o.all {
			return cli.Usagef("--limit %d: want at least 1, or --all", o.limit)
		}
		if o.all {
			o.limit = 0
		}
		return cli.NeedFlag("app", o.app)
	}, cli.WithProvider(m, runEndpointsLs), runF)
}

func runEndpointsLs(ctx context.Context, c *admin.ProviderClient, o *endpointsLsOptions) error {
	eps, total, err := c.ListEndpointsUpTo(ctx, o.Tenant, o.app, o.limit)
	if err != nil {
		return err
	}
	err = tables.Endpoints().List(o.Printer, eps)
	if total > len(eps) {
		_ = o.Note("%d of %d endpoints (--limit N for more, --all for every one)", len(eps), total)
	}
	return err
}

// endpointsStatusOptions are the flags of `kaactl endpoints revoke|suspend|activate`.
type endpointsStatusOptions struct {
	*cli.Manage
	app        string
	endpointID string
	status     api.Status
}

func newEndpointsStatusCmd(m *cli.Manage, verb, short string, status api.Status,
	runF func(context.Context, *endpointsStatusOptions) error) *cobra.Command {
	o := &endpointsStatusOptions{Manage: m, status: status}
	cmd := &cobra.Command{
		Use:     verb + " --app APP ENDPOINT_ID",
		Short:   short,
		Example: "  kaactl endpoints " + verb + " --app demo <endpointId>",
		Args:    cli.ExactArgs(1),
	}
	cli.RequireApp(cmd, &o.app)
	return cli.Leaf(cmd, o, func(args []string) error {
		o.endpointID = args[0]
		return cli.NeedFlag("app", o.app)
	}, cli.WithProvider(m, runEndpointsStatus), runF)
}

func runEndpointsStatus(ctx context.Context, c *admin.ProviderClient, o *endpointsStatusOptions) error {
	if err := c.SetEndpointStatus(ctx, o.Tenant, o.app, o.endpointID, o.status); err != nil {
		return err
	}
	return o.Print(map[string]string{"endpointId": o.endpointID, "status": string(o.status)}, func() error {
		return o.Say("endpoint %s is %s", o.endpointID, o.status)
	})
}

// endpointsRmOptions are the flags of `kaactl endpoints rm`.
type endpointsRmOptions struct {
	*cli.Manage
	app string
	ids []string
	all bool
	yes bool
}

func newEndpointsRmCmd(m *cli.Manage, runF func(context.Context, *endpointsRmOptions) error) *cobra.Command {
	o := &endpointsRmOptions{Manage: m}
	cmd := &cobra.Command{
		Use:     "rm --app APP (ENDPOINT_ID... | --all)",
		Aliases: []string{"delete"},
		Short:   "Delete endpoints: their tokens stop working and their sessions are closed",
		Example: `  kaactl endpoints rm --app demo <endpointId> <endpointId>
  kaactl endpoints rm --app sim --all --yes`,
	}
	cli.RequireApp(cmd, &o.app)
	cmd.Flags().BoolVar(&o.all, "all", false, "delete every endpoint of --app")
	cmd.Flags().BoolVar(&o.yes, "yes", false, "do not ask before --all")
	return cli.Leaf(cmd, o, func(args []string) error {
		o.ids = args
		if o.all == (len(args) > 0) {
			return cli.Usagef("give endpoint IDs, or --all")
		}
		if err := cli.NeedFlag("app", o.app); err != nil || !o.all {
			return err
		}
		return cli.Confirm(o.IO, o.yes, "--all deletes every endpoint of "+o.app)
	}, cli.WithProvider(m, runEndpointsRm), runF)
}

func runEndpointsRm(ctx context.Context, c *admin.ProviderClient, o *endpointsRmOptions) error {
	var n int
	var err error
	if o.all {
		n, err = c.DeleteAllEndpoints(ctx, o.Tenant, o.app)
	} else {
		n, err = c.DeleteNamedEndpoints(ctx, o.Tenant, o.app, o.ids)
	}
	if err != nil {
		return err
	}
	return o.Print(api.DeletedEndpoints{Deleted: n}, func() error { return o.Say("deleted %d endpoints of %s", n, o.app) })
}
