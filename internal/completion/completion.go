// Package completion registers what the shell completes for kaactl's flag
// values: fixed choices (-o, --scenario), and the applications of the
// provider a command talks to (--app).
package completion

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/admin"
)

// lookupTimeout bounds a completion that asks the provider: a shell must
// not hang on a TAB.
const lookupTimeout = time.Second

// Values offers fixed values for a flag of cmd.
func Values(cmd *cobra.Command, flag string, values ...string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

// Apps offers for a flag of cmd the application names of the provider that
// the command's own flags name: --provider-url and --tenant, with the admin
// token adminToken finds (from --admin-token or --data-dir). It offers
// nothing when the provider does not answer within a second.
func Apps(cmd *cobra.Command, flag string, adminToken func(flag func(name string) string) (string, error)) {
	_ = cmd.RegisterFlagCompletionFunc(flag, func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		value := func(name string) string {
			if f := cmd.Flag(name); f != nil {
				return f.Value.String()
			}
			return ""
		}
		tok, err := adminToken(value)
		if err != nil || value("provider-url") == "" {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
		defer cancel()
		c := &admin.ProviderClient{REST: admin.REST{BaseURL: value("provider-url"), Token: tok}}
		apps, _ := c.ListApps(ctx, value("tenant"))
		var names []string
		for _, a := range apps {
			names = append(names, a.Name)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
}
