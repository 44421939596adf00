package main

import (
	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/completion"
)

// completeApps completes --app with the provider's applications.
func completeApps(cmd *cobra.Command) {
	completion.Apps(cmd, "app", func(flag func(string) string) (string, error) {
		return (&connOptions{token: flag("admin-token"), dataDir: flag("data-dir")}).adminToken()
	})
}
