package provider

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the store operations and the Client return for
// a caller's mistake wraps one of them (match with errors.Is); the message
// says exactly what is wrong, e.g. `application "demo" already exists in
// tenant "kaa"`.
var (
	// ErrExists: the name (application, version, endpoint token, username,
	// certificate) is already taken. REST: 409.
	ErrExists = errors.New("already exists")
	// ErrNotFound: unknown tenant, application, endpoint or credential. REST: 404.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: a bad name, PEM, password, status or request body. REST: 400.
	ErrInvalid = errors.New("invalid")
	// ErrUnauthorized: a missing or wrong admin token. REST: 401.
	ErrUnauthorized = errors.New("unauthorized")
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
