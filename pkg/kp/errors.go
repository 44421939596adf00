package kp

import "errors"

// Parse errors wrap one of these sentinels (test with errors.Is); the
// wrapping message names the precise reason and the offending part, and is
// meant to be shown to the client as the reason phrase of a 400 reply.
var (
	// ErrNotKP means the address is outside the 1/KP version 1 namespace: an
	// MQTT topic that does not start with "kp1/", or an HTTP path that does
	// not start with "/kp1/".
	ErrNotKP = errors.New("not a 1/KP address")

	// ErrMalformed means a kp1/ address that does not have the 1/KP shape:
	// too long, an empty level (leading, trailing or double slash), a wildcard
	// ('+' or '#'), a NUL byte, invalid UTF-8, or a missing application
	// version, extension, endpoint token or resource path.
	ErrMalformed = errors.New("malformed 1/KP address")

	// ErrBadRequestID means the last topic level is all digits, so it is a
	// request id, but its value does not fit in an int32.
	ErrBadRequestID = errors.New("request id out of range")
)
