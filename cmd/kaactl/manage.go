package main

import (
	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/completion"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/server/provider"
)

// manageOptions are what the commands of a management group (apps,
// endpoints, credentials, blobs) share: where the APIs are and whose token
// to send, and how to print.
type manageOptions struct {
	*admin.Conn
	*output.Printer
}

// newManageGroup makes cmd a group of management commands and binds the
// flags its subcommands share.
func newManageGroup(ios *output.IOStreams, cmd *cobra.Command) *manageOptions {
	m := &manageOptions{
		Conn:    &admin.Conn{ProviderURL: "http://" + provider.DefaultRESTAddr, BCXURL: "http://127.0.0.1:8090", DataDir: defaultDataDir(), Tenant: "kaa"},
		Printer: output.NewPrinter(ios),
	}
	cmd.RunE = cli.GroupRunE
	m.Conn.BindFlags(cmd.PersistentFlags())
	m.Printer.BindFlags(cmd.PersistentFlags())
	completion.Values(cmd, "output", "table", "json", "yaml")
	return m
}

// requireApp adds --app, which the command must check with cli.NeedFlag.
func requireApp(cmd *cobra.Command, app *string) {
	cmd.Flags().StringVar(app, "app", "", "application name (required)")
	completeApps(cmd)
}

// completeApps completes --app with the provider's applications.
func completeApps(cmd *cobra.Command) {
	completion.Apps(cmd, "app", func(flag func(string) string) (string, error) {
		return (&admin.Conn{Token: flag("admin-token"), DataDir: flag("data-dir")}).AdminToken()
	})
}
