package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/api"
)

func newEndpointsCmd(streams ioStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "endpoints",
		Aliases: []string{"ep"},
		Short:   "Create, list, suspend, activate and revoke endpoints (devices) and their tokens",
		Example: `  kaactl endpoints create --app demo --name kitchen-sensor
  kaactl endpoints ls --app demo
  kaactl endpoints suspend --app demo <endpointId>`,
	}
	m := newManageGroup(streams, cmd)
	cmd.AddCommand(newEndpointsCreateCmd(m, nil), newEndpointsLsCmd(m, nil))
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
	*manageOptions
	app           string
	endpointToken string
	name          string
}

func newEndpointsCreateCmd(m *manageOptions, runF func(context.Context, *endpointsCreateOptions) error) *cobra.Command {
	o := &endpointsCreateOptions{manageOptions: m}
	cmd := &cobra.Command{
		Use:   "create --app APP",
		Short: "Create an endpoint and print its token (shown only once)",
		Long: `Create an endpoint of application --app. The provider generates the endpoint
token unless --endpoint-token is given. The token is printed once and never
stored in clear: save it now. (--token is the admin token of every management
command.)`,
		Example: `  kaactl endpoints create --app demo --name kitchen-sensor
  TOKEN=$(kaactl endpoints create --app demo -o json | jq -r .token)`,
		Args: exactArgs(0),
	}
	requireApp(cmd, &o.app)
	cmd.Flags().StringVar(&o.endpointToken, "endpoint-token", "", "endpoint token to register (default: generated)")
	cmd.Flags().StringVar(&o.name, "name", "", "endpoint name (metadata)")
	return leaf(cmd, o, func([]string) error { return needFlag("app", o.app) }, runEndpointsCreate, runF)
}

func runEndpointsCreate(ctx context.Context, o *endpointsCreateOptions) error {
	c, err := o.provider()
	if err != nil {
		return err
	}
	ep, token, err := c.CreateEndpointWith(ctx, o.tenant, o.app, api.EndpointSpec{Token: o.endpointToken, Name: o.name})
	if err != nil {
		return err
	}
	created := api.CreatedEndpoint{Endpoint: ep, Token: token}
	err = table[api.CreatedEndpoint]{
		header: []string{"ENDPOINT ID", "TOKEN ID", "TOKEN"},
		row:    func(e api.CreatedEndpoint) []any { return []any{e.ID, e.TokenID, e.Token} },
	}.print(o.manageOptions, created, created)
	if err != nil {
		return err
	}
	return o.note("Save the endpoint token now: it is not shown again.")
}

// endpointsLsOptions are the flags of `kaactl endpoints ls`.
type endpointsLsOptions struct {
	*manageOptions
	app string
}

func newEndpointsLsCmd(m *manageOptions, runF func(context.Context, *endpointsLsOptions) error) *cobra.Command {
	o := &endpointsLsOptions{manageOptions: m}
	cmd := &cobra.Command{
		Use:     "ls --app APP",
		Aliases: []string{"list"},
		Short:   "List the endpoints of an application (never their tokens)",
		Example: `  kaactl endpoints ls --app demo
  kaactl endpoints ls --app demo -o json | jq -r '.[] | select(.status == "suspended") | .endpointId'`,
		Args: exactArgs(0),
	}
	requireApp(cmd, &o.app)
	return leaf(cmd, o, func([]string) error { return needFlag("app", o.app) }, runEndpointsLs, runF)
}

func runEndpointsLs(ctx context.Context, o *endpointsLsOptions) error {
	c, err := o.provider()
	if err != nil {
		return err
	}
	eps, err := c.ListEndpoints(ctx, o.tenant, o.app)
	if err != nil {
		return err
	}
	return table[api.Endpoint]{
		header: []string{"ENDPOINT ID", "NAME", "STATUS", "TOKEN ID", "CREATED"},
		row: func(e api.Endpoint) []any {
			return []any{e.ID, output.OrDash(e.Name), e.Status, e.TokenID, output.Time(e.CreatedAt)}
		},
	}.list(o.manageOptions, eps)
}

// endpointsStatusOptions are the flags of `kaactl endpoints revoke|suspend|activate`.
type endpointsStatusOptions struct {
	*manageOptions
	app        string
	endpointID string
	status     api.Status
}

func newEndpointsStatusCmd(m *manageOptions, verb, short string, status api.Status,
	runF func(context.Context, *endpointsStatusOptions) error) *cobra.Command {
	o := &endpointsStatusOptions{manageOptions: m, status: status}
	cmd := &cobra.Command{
		Use:     verb + " --app APP ENDPOINT_ID",
		Short:   short,
		Example: "  kaactl endpoints " + verb + " --app demo <endpointId>",
		Args:    exactArgs(1),
	}
	requireApp(cmd, &o.app)
	return leaf(cmd, o, func(args []string) error {
		o.endpointID = args[0]
		return needFlag("app", o.app)
	}, runEndpointsStatus, runF)
}

func runEndpointsStatus(ctx context.Context, o *endpointsStatusOptions) error {
	c, err := o.provider()
	if err != nil {
		return err
	}
	if err := c.SetEndpointStatus(ctx, o.tenant, o.app, o.endpointID, o.status); err != nil {
		return err
	}
	return o.print(map[string]string{"endpointId": o.endpointID, "status": string(o.status)}, func() error {
		return o.say("endpoint %s is %s", o.endpointID, o.status)
	})
}
