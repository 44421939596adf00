package main

import (
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasExamples keeps --help useful: every command a user can
// call shows how to call it.
func TestEveryCommandHasExamples(t *testing.T) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		// cobra's own completion scripts explain their use in their Long text.
		generated := c.HasParent() && c.Parent().Name() == "completion"
		if (c.IsAvailableCommand() || c == c.Root()) && !generated {
			if c.Example == "" {
				t.Errorf("%q has no Example in its --help", c.CommandPath())
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(ioStreams{}))
}
