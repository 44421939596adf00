package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/internal/tables"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/admin/tui"
	"github.com/kaactl/kaactl/pkg/api"
)

// sessionsOptions are the flags of `kaactl sessions` and its subcommands.
type sessionsOptions struct {
	*output.Printer
	cfg     admin.SessionsConfig
	filter  api.SessionFilter
	limit   int
	replica string
	reason  string
}

func newSessionsCmd(ios *output.IOStreams) *cobra.Command {
	o := &sessionsOptions{cfg: admin.DefaultSessionsConfig(defaultDataDir()), Printer: output.NewPrinter(ios)}
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: "Watch the live MQTT sessions of every KPC replica (TUI), list and kick them",
		Long: `Without a subcommand, a full-screen view of the live sessions of every KPC
replica, gathered over NATS (kaa.v1.service.<kpc>.admin.sessions) and kept
current: / filters, enter shows details, k kicks, ? lists the keys.
It connects to --nats with the token of kaactl up's data dir, or lists one
replica over its REST API with --kpc.`,
		Example: `  kaactl sessions
  kaactl sessions ls --app demo -o json
  kaactl sessions kick my-client-id`,
		Args: cli.GroupArgs,
	}
	o.cfg.BindFlags(cmd.PersistentFlags())
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return runSessionsTUI(cmd.Context(), o) }
	cmd.AddCommand(newSessionsLsCmd(o, nil), newSessionsKickCmd(o, nil))
	return cmd
}

func runSessionsTUI(ctx context.Context, o *sessionsOptions) error {
	if !o.IO.IsStdoutTTY() || !o.IO.IsStdinTTY() {
		return cli.Usagef("kaactl sessions needs a terminal; scripts use kaactl sessions ls or kick")
	}
	return tui.RunConfig(ctx, &o.cfg, o.IO.In, o.IO.Out)
}

func newSessionsLsCmd(o *sessionsOptions, runF func(context.Context, *sessionsOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List the live sessions of every KPC replica",
		Long: `List the live sessions of every KPC replica. A replica that a peer saw in the
last minute but that does not answer within --timeout is reported, and the
command then exits 1 after printing what the others answered.`,
		Example: `  kaactl sessions ls
  kaactl sessions ls --app demo --transport mqtts -o yaml
  kaactl sessions ls --endpoint <endpointId> -o json | jq -r '.sessions[].clientId'`,
		Args: cli.ExactArgs(0),
	}
	f := cmd.Flags()
	f.StringVar(&o.filter.Tenant, "tenant", "", "only sessions of this tenant")
	f.StringVar(&o.filter.App, "app", "", "only sessions acting for an endpoint of this application")
	f.StringVar(&o.filter.EndpointID, "endpoint", "", "only sessions acting for this endpoint ID")
	f.StringVar(&o.filter.ClientID, "client", "", "only the session of this MQTT client ID")
	f.StringVar(&o.filter.Transport, "transport", "", "only sessions over mqtt, mqtts or ws")
	_ = cmd.RegisterFlagCompletionFunc("transport", cobra.FixedCompletions([]string{"mqtt", "mqtts", "ws"}, cobra.ShellCompDirectiveNoFileComp))
	f.IntVar(&o.limit, "limit", 0, "at most this many sessions per replica (0: all)")
	o.BindFlags(f)
	return cli.Leaf(cmd, o, nil, runSessionsLs, runF)
}

func runSessionsLs(ctx context.Context, o *sessionsOptions) error {
	g, err := o.cfg.List(ctx, o.filter, o.limit)
	if err != nil {
		return err
	}
	err = tables.Sessions().Print(o.Printer, g, g.Sessions...)
	if err == nil && !o.Format.Structured() && o.IO.IsStdoutTTY() {
		err = o.Note("%d sessions from %d replicas (%s)", g.Total, len(g.Replicas), strings.Join(g.Replicas, ", "))
	}
	if err == nil {
		err = g.MissingError(o.cfg.Timeout)
	}
	return err
}

func newSessionsKickCmd(o *sessionsOptions, runF func(context.Context, *sessionsOptions) error) *cobra.Command {
	var ids []string
	cmd := &cobra.Command{
		Use:   "kick CLIENT_ID...",
		Short: "Close the sessions of MQTT clients, wherever they are connected",
		Long: `Close the session of each client ID on the replica that holds it (MQTT 5
clients get reason 0x98, administrative action). The replica logs --reason,
and publishes the ELCE disconnected event of the endpoints the session acted
for. Kicking needs NATS; --kpc cannot kick.`,
		Example: `  kaactl sessions kick dev-17 dev-18 --reason "firmware recall"
  kaactl sessions kick --replica 0190f3c2 dev-17`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cli.Usagef("name at least one client ID")
			}
			ids = args
			return nil
		},
	}
	cmd.Flags().StringVar(&o.replica, "replica", "", "only on this replica")
	cmd.Flags().StringVar(&o.reason, "reason", "kicked with kaactl sessions kick", "reason the replica logs")
	o.BindFlags(cmd.Flags())
	return cli.Leaf(cmd, o, nil, func(ctx context.Context, o *sessionsOptions) error { return runSessionsKick(ctx, o, ids) }, runF)
}

func runSessionsKick(ctx context.Context, o *sessionsOptions, ids []string) error {
	s, err := o.cfg.Open()
	if err != nil {
		return err
	}
	defer s.Close()
	done, err := admin.KickEach(ctx, s.Source, o.replica, o.reason, ids, func(k admin.Kicked, err error) {
		switch {
		case err != nil && len(ids) > 1: // the one failure of one client ID is the command's
			fmt.Fprintf(o.IO.ErrOut, "kaactl: %v\n", admin.Explain(err, ""))
		case err == nil && !o.Format.Structured():
			fmt.Fprintf(o.IO.Out, "kicked %s on %s\n", k.ClientID, strings.Join(k.Replicas, ", "))
		}
	})
	if o.Format.Structured() {
		if werr := output.Write(o.IO.Out, o.Format, done); werr != nil {
			return werr
		}
	}
	return err
}
