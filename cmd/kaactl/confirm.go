package main

import (
	"errors"

	"github.com/kaactl/kaactl/internal/output"
)

// confirm is IOStreams.Confirm with a missing --yes as a usage error.
func confirm(ios *output.IOStreams, yes bool, what string) error {
	err := ios.Confirm(yes, what)
	if errors.Is(err, output.ErrNeedYes) {
		return usageError{err}
	}
	return err
}
