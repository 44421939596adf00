package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/admin"
)

// completeWith offers fixed values for a flag.
func completeWith(cmd *cobra.Command, flag string, values ...string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

// completeApps offers the applications of the provider the command's flags
// name (--provider-url, --admin-token or --data-dir, --tenant), if it
// answers within a second; nothing otherwise.
func completeApps(cmd *cobra.Command, flag string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		value := func(name string) string {
			if f := cmd.Flag(name); f != nil {
				return f.Value.String()
			}
			return ""
		}
		c := connOptions{providerURL: value("provider-url"), token: value("admin-token"), dataDir: value("data-dir")}
		tok, err := c.adminToken()
		if err != nil || c.providerURL == "" {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		apps, err := (&admin.ProviderClient{REST: admin.REST{BaseURL: c.providerURL, Token: tok}}).ListApps(ctx, value("tenant"))
		var names []string
		for _, a := range apps {
			names = append(names, a.Name)
		}
		if err != nil {
			names = nil
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
}

// completeSimFlags offers the values of kaactl sim's flags that have a few.
func completeSimFlags(cmd *cobra.Command) {
	completeWith(cmd, "scenario", "kp", "upload", "connect", "kp=80,upload=20", "kp=80,upload=15,connect=5")
	completeWith(cmd, "output", "table", "json")
	completeWith(cmd, "provision", "auto", "always", "never")
	completeApps(cmd, "app")
}
