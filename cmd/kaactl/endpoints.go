package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/server/provider"
)

func newEndpointsCmd(io ioStreams) *cobra.Command {
	conn := &connOptions{}
	cmd := &cobra.Command{
		Use:     "endpoints",
		Aliases: []string{"ep"},
		Short:   "Create, list, suspend, activate and revoke endpoints (devices) and their tokens",
		RunE:    groupRunE,
	}
	conn.bind(cmd.PersistentFlags())
	cmd.AddCommand(newEndpointsCreateCmd(io, conn, nil), newEndpointsLsCmd(io, conn, nil))
	for _, st := range []struct {
		verb, short string
		status      provider.Status
	}{
		{"revoke", "Revoke an endpoint for good: its token stops working", provider.StatusRevoked},
		{"suspend", "Suspend an endpoint: its token stops working until activated", provider.StatusSuspended},
		{"activate", "Re-activate a suspended endpoint", provider.StatusActive},
	} {
		cmd.AddCommand(newEndpointsStatusCmd(io, conn, st.verb, st.short, st.status, nil))
	}
	return cmd
}

// requireApp adds --app, which the command must check with needFlag.
func requireApp(cmd *cobra.Command, app *string) {
	cmd.Flags().StringVar(app, "app", "", "application name (required)")
}

// needFlag is a usage error (exit code 2) when a required flag is empty.
func needFlag(name, value string) error {
	if value == "" {
		return usageError{fmt.Errorf("--%s is required", name)}
	}
	return nil
}

// endpointsCreateOptions are the flags of `kaactl endpoints create`.
type endpointsCreateOptions struct {
	conn          *connOptions
	app           string
	endpointToken string
	name          string
}

func newEndpointsCreateCmd(io ioStreams, conn *connOptions, runF func(context.Context, *endpointsCreateOptions) error) *cobra.Command {
	o := &endpointsCreateOptions{conn: conn}
	cmd := &cobra.Command{
		Use:   "create --app APP",
		Short: "Create an endpoint and print its token (shown only once)",
		Long: `Create an endpoint of application --app. The provider generates the endpoint
token unless --endpoint-token is given. The token is printed once and never
stored in clear: save it now. (--token is the admin token of every management
command.)`,
		Example: `  kaactl endpoints create --app demo --name kitchen-sensor`,
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needFlag("app", o.app); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runEndpointsCreate(cmd.Context(), io, o)
		},
	}
	requireApp(cmd, &o.app)
	cmd.Flags().StringVar(&o.endpointToken, "endpoint-token", "", "endpoint token to register (default: generated)")
	cmd.Flags().StringVar(&o.name, "name", "", "endpoint name (metadata)")
	return cmd
}

func runEndpointsCreate(ctx context.Context, io ioStreams, o *endpointsCreateOptions) error {
	c, err := o.conn.provider()
	if err != nil {
		return err
	}
	ep, token, err := c.CreateEndpointWith(ctx, o.conn.tenant, o.app, provider.EndpointSpec{Token: o.endpointToken, Name: o.name})
	if err != nil {
		return apiError(err)
	}
	if o.conn.json() {
		err = printJSON(io.out, provider.CreatedEndpoint{Endpoint: ep, Token: token})
	} else {
		t := newTable(io.out, "ENDPOINT ID", "TOKEN ID", "TOKEN")
		t.row(ep.ID, ep.TokenID, token)
		err = t.flush()
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(io.err, "Save the endpoint token now: it is not shown again.")
	return err
}

// endpointsLsOptions are the flags of `kaactl endpoints ls`.
type endpointsLsOptions struct {
	conn *connOptions
	app  string
}

func newEndpointsLsCmd(io ioStreams, conn *connOptions, runF func(context.Context, *endpointsLsOptions) error) *cobra.Command {
	o := &endpointsLsOptions{conn: conn}
	cmd := &cobra.Command{
		Use:     "ls --app APP",
		Aliases: []string{"list"},
		Short:   "List the endpoints of an application (never their tokens)",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needFlag("app", o.app); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runEndpointsLs(cmd.Context(), io, o)
		},
	}
	requireApp(cmd, &o.app)
	return cmd
}

func runEndpointsLs(ctx context.Context, io ioStreams, o *endpointsLsOptions) error {
	c, err := o.conn.provider()
	if err != nil {
		return err
	}
	eps, err := c.ListEndpoints(ctx, o.conn.tenant, o.app)
	if err != nil {
		return apiError(err)
	}
	if o.conn.json() {
		if eps == nil {
			eps = []provider.Endpoint{}
		}
		return printJSON(io.out, eps)
	}
	t := newTable(io.out, "ENDPOINT ID", "NAME", "STATUS", "TOKEN ID", "CREATED")
	for _, e := range eps {
		t.row(e.ID, orDash(e.Name), e.Status, e.TokenID, ts(e.CreatedAt))
	}
	return t.flush()
}

// endpointsStatusOptions are the flags of `kaactl endpoints revoke|suspend|activate`.
type endpointsStatusOptions struct {
	conn       *connOptions
	app        string
	endpointID string
	status     provider.Status
}

func newEndpointsStatusCmd(io ioStreams, conn *connOptions, verb, short string, status provider.Status,
	runF func(context.Context, *endpointsStatusOptions) error) *cobra.Command {
	o := &endpointsStatusOptions{conn: conn, status: status}
	cmd := &cobra.Command{
		Use:   verb + " --app APP ENDPOINT_ID",
		Short: short,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.endpointID = args[0]
			if err := needFlag("app", o.app); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runEndpointsStatus(cmd.Context(), io, o)
		},
	}
	requireApp(cmd, &o.app)
	return cmd
}

func runEndpointsStatus(ctx context.Context, io ioStreams, o *endpointsStatusOptions) error {
	c, err := o.conn.provider()
	if err != nil {
		return err
	}
	if err := c.SetEndpointStatus(ctx, o.conn.tenant, o.app, o.endpointID, o.status); err != nil {
		return apiError(err)
	}
	if o.conn.json() {
		return printJSON(io.out, map[string]string{"endpointId": o.endpointID, "status": string(o.status)})
	}
	_, err = fmt.Fprintf(io.out, "endpoint %s is %s\n", o.endpointID, o.status)
	return err
}
