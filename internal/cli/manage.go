package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/completion"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/admin"
)

// Manage is what the commands of a management group (apps, endpoints,
// credentials, blobs) share: where the APIs are and whose token to send,
// and how to print.
type Manage struct {
	*admin.Conn
	*output.Printer
}

// ManageGroup makes cmd a group of management commands printing on ios,
// and binds the flags its subcommands share, with conn's fields as their
// defaults.
func ManageGroup(cmd *cobra.Command, ios *output.IOStreams, conn admin.Conn) *Manage {
	m := &Manage{Conn: &conn, Printer: output.NewPrinter(ios)}
	cmd.RunE = GroupRunE
	m.Conn.BindFlags(cmd.PersistentFlags())
	m.Printer.BindFlags(cmd.PersistentFlags())
	completion.Values(cmd, "output", "table", "json", "yaml")
	return m
}

// WithProvider is the run function of a command that calls the provider:
// its client is made first, when the command runs (so that --help and flag
// errors never read the token file), then run is called with it.
func WithProvider[O any](m *Manage, run func(context.Context, *admin.ProviderClient, *O) error) func(context.Context, *O) error {
	return func(ctx context.Context, o *O) error {
		c, err := m.Provider()
		if err != nil {
			return err
		}
		return run(ctx, c, o)
	}
}

// RequireApp adds --app, which the command must check with NeedFlag.
func RequireApp(cmd *cobra.Command, app *string) {
	cmd.Flags().StringVar(app, "app", "", "application name (required)")
	CompleteApps(cmd)
}

// CompleteApps completes --app with the applications of the provider that
// the command's flags name, with the admin token they find.
func CompleteApps(cmd *cobra.Command) {
	completion.Apps(cmd, "app", func(flag func(string) string) (string, error) {
		return (&admin.Conn{Token: flag("admin-token"), DataDir: flag("data-dir")}).AdminToken()
	})
}
