package kp

import "errors"

var (
	// ErrNotKP is returned for a topic or path outside the kp1/ namespace.
	ErrNotKP = errors.New("not a 1/KP topic")
	// ErrMalformed is returned for a kp1/ address that does not have the 1/KP shape.
	ErrMalformed = errors.New("malformed 1/KP topic")
	// ErrBadRequestID is returned for a request id level that does not fit in an int32.
	ErrBadRequestID = errors.New("request id out of range")
)
