package ism

import "errors"

var (
	// ErrUnknownMessage is returned for a value that is not one of this
	// package's message types (or, for Unmarshal, not a pointer to one).
	ErrUnknownMessage = errors.New("ism: unknown message type")
	// ErrNilMessage is returned for a nil pointer to a message type.
	ErrNilMessage = errors.New("ism: nil message")
	// ErrDecode is returned for input that is not a valid Avro encoding of the
	// message's schema: truncated, with trailing bytes, or malformed.
	ErrDecode = errors.New("ism: cannot decode message")
	// ErrEncode is returned when a message does not encode with its schema.
	ErrEncode = errors.New("ism: cannot encode message")
)
