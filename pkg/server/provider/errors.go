package provider

import (
	"fmt"

	"github.com/kaactl/kaactl/pkg/api"
)

// Sentinel errors: the error kinds of the REST API (pkg/api, where each is
// documented with its HTTP status). Every error the store operations return
// for a caller's mistake wraps one of them (match with errors.Is); the
// message says exactly what is wrong, e.g. `application "demo" already
// exists in tenant "kaa"`.
var (
	ErrExists       = api.ErrExists
	ErrNotFound     = api.ErrNotFound
	ErrInvalid      = api.ErrInvalid
	ErrUnauthorized = api.ErrUnauthorized
)

// kindError carries a precise message and wraps one of the sentinel errors,
// so that the message reads naturally ("application \"demo\" already exists
// in tenant \"kaa\"") instead of ending with the sentinel's own text.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// errorf returns an error with the formatted message that wraps kind.
func errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}
