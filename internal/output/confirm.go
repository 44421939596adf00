package output

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
)

// Errors of Confirm.
var (
	// ErrNeedYes: nobody to ask (stdin is not a terminal) and no --yes.
	ErrNeedYes = errors.New("refused without --yes (no terminal to ask on)")
	// ErrNotConfirmed: the answer was not yes.
	ErrNotConfirmed = errors.New("not confirmed")
)

// Confirm asks before what cannot be undone, described by what: with yes
// (a --yes flag) it goes ahead; when In is a terminal it asks on ErrOut and
// wants "y"; otherwise (a script) it fails with ErrNeedYes.
func (s *IOStreams) Confirm(yes bool, what string) error {
	if yes {
		return nil
	}
	if !s.IsStdinTTY() {
		return fmt.Errorf("%s: %w", what, ErrNeedYes)
	}
	fmt.Fprintf(s.ErrOut, "%s. Go ahead? [y/N] ", what)
	answer, _ := bufio.NewReader(s.In).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return fmt.Errorf("%s: %w", what, ErrNotConfirmed)
	}
	return nil
}
