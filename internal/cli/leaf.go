package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/admin"
)

// Leaf completes a leaf command with options o: its RunE checks the
// arguments and flags with check (if any), then calls run, or runF when a
// test passes one. Errors of the run read as admin.Explain makes them,
// naming the API that refused a token when o knows which it called
// (CalledURL, as admin.Conn has).
func Leaf[O any](cmd *cobra.Command, o *O, check func(args []string) error, run, runF func(context.Context, *O) error) *cobra.Command {
	if runF != nil {
		run = runF
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if check != nil {
			if err := check(args); err != nil {
				return err
			}
		}
		err := run(cmd.Context(), o)
		url := ""
		if c, ok := any(o).(interface{ CalledURL() string }); ok {
			url = c.CalledURL()
		}
		return admin.Explain(err, url)
	}
	return cmd
}
