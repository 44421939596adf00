package blobstore

import "errors"

var (
	// ErrNotFound is returned for a blob that does not exist.
	ErrNotFound = errors.New("blob not found")
	// ErrRange is returned for a read offset past the end of a blob.
	ErrRange = errors.New("range not satisfiable")
	// ErrUnavailable is returned (wrapped) when the backend cannot be reached.
	ErrUnavailable = errors.New("blob backend unavailable")
	// ErrInvalid is returned for an app, endpoint or blob ID that cannot be stored (empty, "/", "..", control characters).
	ErrInvalid = errors.New("invalid blob address")
	// ErrSizeMismatch is returned when a Put announced a size its body did not have.
	ErrSizeMismatch = errors.New("blob body does not have the announced size")
)
