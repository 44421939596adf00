package admin

import (
	"errors"
	"fmt"
	"strings"
)

// Explain makes a client error read well on one line: it names its kind
// ("already exists", "not found", "invalid", "unauthorized") when the
// server's message does not, and on ErrUnauthorized from the API at url
// (when known) what to check about the admin token.
func Explain(err error, url string) error {
	for _, kind := range []error{ErrExists, ErrNotFound, ErrInvalid, ErrUnauthorized} {
		if !errors.Is(err, kind) {
			continue
		}
		if !strings.Contains(err.Error(), kind.Error()) {
			err = fmt.Errorf("%s: %w", kind, err)
		}
		if kind == ErrUnauthorized && url != "" {
			err = fmt.Errorf("%w: %s refused the admin token (check --admin-token or <data-dir>/%s, and the URL)", err, url, AdminTokenFile)
		}
		return err
	}
	return err
}
