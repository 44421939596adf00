package api

import (
	"errors"
	"net/http"
)

// Error kinds of the management APIs, with their HTTP statuses: a server
// answers an error of a kind with its status (StatusOf), and a client's error
// for an answer matches the kind of the status (KindOf). pkg/server/provider
// and pkg/admin export them under the same names, so that an in-process
// provider and a remote one fail alike.
var (
	// ErrNotFound: an unknown tenant, application, endpoint, credential or
	// blob, or one of another tenant. HTTP 404.
	ErrNotFound = errors.New("not found")
	// ErrExists: the name (application, version, endpoint token, username,
	// certificate) is already taken. HTTP 409.
	ErrExists = errors.New("already exists")
	// ErrInvalid: a bad name, PEM, password, status, paging parameter or
	// request body. HTTP 400, and 413 for a body over the limit.
	ErrInvalid = errors.New("invalid")
	// ErrUnauthorized: a missing or wrong bearer token. HTTP 401, and 403
	// for a token without the scope a call needs.
	ErrUnauthorized = errors.New("unauthorized")
)

// KindOf is the error kind of an HTTP error status, or nil when it has none
// (a 5xx, say).
func KindOf(status int) error {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		return ErrInvalid
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrUnauthorized
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusConflict:
		return ErrExists
	}
	return nil
}

// StatusOf is the HTTP status that answers err: that of the kind it wraps,
// or 500.
func StatusOf(err error) int {
	switch {
	case errors.Is(err, ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrExists):
		return http.StatusConflict
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}
