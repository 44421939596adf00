package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/output"
)

// UsageError marks an error in how a command was called: kaactl exits 2.
type UsageError struct{ error }

// Unwrap is the error in how the command was called.
func (e UsageError) Unwrap() error { return e.error }

// Usage marks err as a usage error; nil stays nil.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return UsageError{err}
}

// Usagef is a usage error with fmt.Errorf's message.
func Usagef(format string, args ...any) error { return UsageError{fmt.Errorf(format, args...)} }

// IsUsage reports whether err is (or wraps) a usage error.
func IsUsage(err error) bool { return errors.As(err, new(UsageError)) }

// GroupRunE makes a command group print its help, and reject unknown
// subcommands as usage errors instead of printing help.
func GroupRunE(cmd *cobra.Command, args []string) error {
	if err := GroupArgs(cmd, args); err != nil {
		return err
	}
	return cmd.Help()
}

// GroupArgs refuses an unknown subcommand of a group as a usage error.
func GroupArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return Usagef("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	return nil
}

// ExactArgs is cobra.ExactArgs as a usage error.
func ExactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		return Usage(cobra.ExactArgs(n)(cmd, args))
	}
}

// NeedFlag is a usage error when a required flag is empty.
func NeedFlag(name, value string) error {
	if value == "" {
		return Usagef("--%s is required", name)
	}
	return nil
}

// Confirm is IOStreams.Confirm with a missing --yes as a usage error.
func Confirm(ios *output.IOStreams, yes bool, what string) error {
	err := ios.Confirm(yes, what)
	if errors.Is(err, output.ErrNeedYes) {
		return Usage(err)
	}
	return err
}
